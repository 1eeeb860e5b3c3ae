"""Fetch one web page an operator or moderator names, treating the URL as untrusted input.

A URL typed into ``/sources add`` could point the bot at the machine it runs on or at the
private network behind it (a cloud metadata service, an admin page on 10.x). So: only http
and https; every hop (the first request and each redirect) is resolved once, every address
it resolves to is classified with ``ipaddress``, and the connection goes to the checked
address itself, so a DNS answer that changes between check and connect (DNS rebinding)
cannot slip in. Bounded in size (5 MB, reading stops past it), time (10 s for everything)
and redirects (5). Only text/html and text/plain are accepted; nothing in a page is run.

Standard library only (``http.client``): it uses no proxy settings and no cookie jar, and
blocking reads run in a worker thread (callers use ``asyncio.to_thread``).
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from bot import __version__

MAX_BYTES = 5_000_000
TOTAL_SECONDS = 10.0
MAX_REDIRECTS = 5
CONTENT_TYPES = ("text/html", "text/plain")
# Says what is asking and why; no contact URL, since the project has no public address and an
# invented one would point site owners at someone else.
USER_AGENT = f"TalksBot/{__version__} (Discord news bot; fetches a page a moderator adds)"
_CHUNK = 64 * 1024
_REDIRECTS = {301, 302, 303, 307, 308}
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]


class FetchError(Exception):
    """The page cannot be fetched or is not acceptable; the message is one line."""


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # after redirects
    content_type: str  # "text/html" or "text/plain"
    charset: str | None
    body: bytes


def forbidden(address: Address, *, allow_loopback: bool = False) -> str | None:
    """Why the bot must not connect to ``address`` (``None``: a public address it may use).

    An IPv4 address written as IPv6 (``::ffff:127.0.0.1``) is judged as the IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    for test, name in (
        (address.is_unspecified, "an unspecified address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "not a public address"),
    ):
        if test:
            return name
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True, slots=True)
class Policy:
    """Which addresses may be fetched from. ``check`` is the classifier (``forbidden``);
    tests pass a stand-in that treats their one loopback server as a public host."""

    allow_loopback: bool = False
    resolve: Resolver = system_resolver
    check: Callable[[Address, bool], str | None] = lambda a, loop: forbidden(a, allow_loopback=loop)


def fetch(url: str, policy: Policy | None = None) -> Fetched:
    """GET ``url`` within the limits above, following at most ``MAX_REDIRECTS`` redirects,
    each checked like the first; blocking (run it in a thread)."""
    policy = policy or Policy()
    deadline = time.monotonic() + TOTAL_SECONDS
    watchdog = _Watchdog(TOTAL_SECONDS)
    try:
        return _follow(url, policy, deadline, watchdog)
    except FetchError:
        raise
    except (OSError, http.client.HTTPException) as exc:  # the watchdog cut the connection
        if time.monotonic() >= deadline:
            raise FetchError(f"timed out (over {TOTAL_SECONDS:.0f} s)") from None
        raise FetchError(f"the connection failed ({_why(exc)})") from None
    finally:
        watchdog.cancel()


def _follow(url: str, policy: Policy, deadline: float, watchdog: _Watchdog) -> Fetched:
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        response, conn = _request(current, policy, deadline, watchdog)
        status, headers = response.status, response.headers
        try:
            if status in _REDIRECTS:
                location = headers.get("location")
                if not location:
                    raise FetchError(f"HTTP {status} without a Location to follow")
                current = urljoin(current, location.strip())
                continue
            if status >= 400:
                raise FetchError(f"HTTP {status} ({http.client.responses.get(status, 'error')})")
            if status != 200:
                raise FetchError(f"HTTP {status}: expected 200 OK")
            media, charset = _content_type(headers.get("content-type", ""))
            if media not in CONTENT_TYPES:
                raise FetchError(f"not an HTML or text page ({media or 'no content type'})")
            encoding = (headers.get("content-encoding") or "identity").strip().lower()
            if encoding != "identity":
                raise FetchError(f"compressed response ({encoding}) though none was asked for")
            body = _read(conn, response, deadline)
            return Fetched(current, media, charset, body)
        finally:
            conn.close()
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


class _Watchdog:
    """Closes the current connection when the total time is up, so no read (a server that
    sends its headers a byte a second) can outlast ``TOTAL_SECONDS``."""

    def __init__(self, seconds: float) -> None:
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            self._conn = conn

    def _fire(self) -> None:
        with self._lock:
            sock = self._conn.sock if self._conn is not None else None
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()
        self._timer.join()


def _request(
    url: str, policy: Policy, deadline: float, watchdog: _Watchdog
) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"only http and https addresses can be fetched, not {scheme or 'this'}")
    if parts.username or parts.password:
        raise FetchError("addresses with a user name or password are not fetched")
    host = parts.hostname
    if not host:
        raise FetchError("the address has no host name")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise FetchError("the address has an invalid port") from None
    addresses = _checked_addresses(host, port, policy, deadline)
    # Non-ASCII or spaces in the path are percent-encoded, as a browser sends them.
    path = quote(parts.path or "/", safe=_URL_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_URL_SAFE)
    cls = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    conn = cls(host, port, addresses, timeout=_left(deadline))
    watchdog.watch(conn)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        default_port = 443 if scheme == "https" else 80
        host_header = host if ":" not in host else f"[{host}]"
        conn.putheader("Host", host_header if port == default_port else f"{host_header}:{port}")
        conn.putheader("User-Agent", USER_AGENT)
        conn.putheader("Accept", "text/html, text/plain;q=0.9")
        conn.putheader("Accept-Encoding", "identity")
        conn.putheader("Connection", "close")
        conn.endheaders()
        response = conn.getresponse()
    except TimeoutError:
        conn.close()
        raise FetchError(f"timed out (over {TOTAL_SECONDS:.0f} s)") from None
    except ssl.SSLError as exc:
        conn.close()
        raise FetchError(f"TLS failed ({exc.reason or exc})") from None
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        if time.monotonic() >= deadline:  # the watchdog cut it
            raise FetchError(f"timed out (over {TOTAL_SECONDS:.0f} s)") from None
        raise FetchError(f"cannot connect to {host} ({_why(exc)})") from None
    return response, conn


def _checked_addresses(host: str, port: int, policy: Policy, deadline: float) -> list[str]:
    """Resolve ``host`` once and check every address; all must pass (one bad answer is
    enough to refuse: the name is not a plain public site). Returns them to connect to."""
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        if time.monotonic() >= deadline:
            raise FetchError(f"timed out (over {TOTAL_SECONDS:.0f} s)")
        try:
            addresses = list(policy.resolve(host, port))
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"cannot resolve {host} ({_why(exc)})") from None
    if not addresses:
        raise FetchError(f"cannot resolve {host}")
    for text in addresses:
        try:
            address = ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError:
            raise FetchError(f"{host} resolves to something that is not an address") from None
        why = policy.check(address, policy.allow_loopback)
        if why is not None:
            hint = " (TALKS_ALLOW_LOCAL_URLS allows loopback)" if "loopback" in why else ""
            raise FetchError(f"{host} is {why}; not fetched{hint}")
    return addresses


def _connect(addresses: list[str], port: int, timeout: float | None) -> socket.socket:
    """A connection to the first of the checked addresses that answers."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error or OSError("no address to connect to")


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the addresses that were checked, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, addresses: list[str], *, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to the checked address, with the certificate verified for the host name."""

    def __init__(self, host: str, port: int, addresses: list[str], *, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._addresses = addresses

    def connect(self) -> None:
        sock = _connect(self._addresses, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _read(
    conn: http.client.HTTPConnection, response: http.client.HTTPResponse, deadline: float
) -> bytes:
    """The body, one ``read1`` (one receive) at a time so the deadline is checked between."""
    length = response.headers.get("content-length")
    if length and length.strip().isdigit() and int(length) > MAX_BYTES:
        raise FetchError(f"too large (over {MAX_BYTES // 1_000_000} MB)")
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BYTES:  # bounded: stops one chunk past the limit
        left = _left(deadline)
        if conn.sock is not None:
            conn.sock.settimeout(left)
        try:
            chunk = response.read1(_CHUNK)
        except TimeoutError:
            raise FetchError(f"timed out (over {TOTAL_SECONDS:.0f} s)") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"the connection failed while reading ({_why(exc)})") from None
        if not chunk:
            return _whole(b"".join(chunks), length, deadline)
        chunks.append(chunk)
        size += len(chunk)
    raise FetchError(f"too large (over {MAX_BYTES // 1_000_000} MB)")


def _whole(body: bytes, length: str | None, deadline: float) -> bytes:
    """``body`` if it is the whole page: the watchdog's cut and a dropped connection also end
    in an empty read, and half an article must never be added as if it were all of it."""
    if time.monotonic() >= deadline:
        raise FetchError(f"timed out (over {TOTAL_SECONDS:.0f} s)")
    if length and length.strip().isdigit() and len(body) < int(length):
        raise FetchError("the connection closed before the whole page arrived")
    return body


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(f"timed out (over {TOTAL_SECONDS:.0f} s)")
    return left


def _content_type(value: str) -> tuple[str, str | None]:
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip('"') or None
    return media.strip().lower(), charset


def _why(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or exc or type(exc).__name__)
