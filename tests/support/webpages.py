"""A web server on a loopback address for the tests that fetch pages: pages the test writes,
a thread that ends with the test. No test sends a packet anywhere but loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PARAGRAPH = (
    "The Vatican offered on Monday to host a second round of talks between the delegations of "
    "Russia and Ukraine, a spokesman for the Holy See said, adding that Pope Leo had spoken with "
    "both presidents about a meeting at the Apostolic Palace before the end of June."
)


def article_html(n: int = 8, *, lang: str = "en", body: str | None = None) -> str:
    paragraphs = body or "".join(
        f"<p>{PARAGRAPH.replace('Monday', day)}</p>"
        for day in ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                    "Sunday", "Sunday night", "Monday night", "Tuesday night"][:n]
    )  # fmt: skip
    return (
        f'<html lang="{lang}"><head><title>Vatican offers to host talks | Example Herald</title>'
        '<meta property="og:title" content="Vatican offers to host talks">'
        '<meta property="og:site_name" content="Example Herald">'
        '<meta property="article:published_time" content="2025-05-19T09:30:00Z">'
        '<link rel="canonical" href="https://herald.example.com/vatican-talks"></head>'
        "<body><nav>Home | World | Sport</nav><article><h1>Vatican offers to host talks</h1>"
        f"{paragraphs}</article><footer>Cookie settings</footer></body></html>"
    )


SLOW_MAX_S = 30.0  # a slow page never holds its thread longer than this, or past shutdown


@dataclass
class Page:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    length: bool = True  # send Content-Length (False: the body streams until closed)
    slow: bool = False  # headers at once, then the body a byte a second
    stall: float = 0.0  # seconds before the status line (bounded by the server's shutdown)
    announce: int | None = None  # a Content-Length other than the body's (a cut-off page)


class PageServer:
    """``pages`` maps a path to what it serves; ``requests`` lists the paths asked for."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                page = server.pages.get(self.path, Page(b"not found", 404, "text/plain"))
                if page.stall and server._stopping.wait(min(page.stall, SLOW_MAX_S)):
                    return
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                for k, v in page.headers.items():
                    self.send_header(k, v)
                if page.length and not page.slow:
                    size = len(page.body) if page.announce is None else page.announce
                    self.send_header("Content-Length", str(size))
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    if page.slow:
                        deadline = time.monotonic() + SLOW_MAX_S
                        for byte in page.body:
                            if server._stopping.wait(1.0) or time.monotonic() > deadline:
                                return
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                    else:
                        self.wfile.write(page.body)
                except OSError:  # the client hung up (a refused page): nothing to do
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer((host, 0), Handler)
        self._httpd.daemon_threads = True
        self.host = host
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="pages")

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def start(self) -> PageServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)


@contextmanager
def serving(host: str = "127.0.0.1") -> Iterator[PageServer]:
    server = PageServer(host).start()
    try:
        yield server
    finally:
        server.stop()
