"""Adding an article by URL: the address checks, the limits, and what a bad page changes.

Every page comes from a server on a loopback address the test starts. The refusal of private,
link-local and multicast addresses is tested on the classifier and with a stub resolver, with
connecting made to fail the test: no request ever leaves the machine.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.webpages import PARAGRAPH, Page, PageServer, article_html, serving

from bot import fetch
from bot.articles import SourceError, add_url, corpus_dir
from bot.fetch import FetchError, Policy, forbidden
from config import Settings

LOCAL = Policy(allow_loopback=True)


@pytest.fixture
def web() -> Iterator[PageServer]:
    with serving("127.0.0.1") as server:
        yield server


@pytest.fixture
def own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    directory = corpus_dir(Settings.model_construct(corpus_dir=None))
    assert directory is not None
    return directory


def files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def news_page() -> bytes:
    return article_html().encode()


# --- the address classifier -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
        ("fc00::1", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("0.0.0.0", "unspecified"),
        ("::", "unspecified"), ("240.0.0.1", "reserved"), ("100.64.0.1", "not a public"),
        ("127.0.0.1", "loopback"), ("127.0.0.2", "loopback"), ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
    ],
)  # fmt: skip
def test_the_classifier_refuses_every_non_public_range(address: str, why: str) -> None:
    reason = forbidden(ipaddress.ip_address(address))
    assert reason is not None and why in reason


def test_loopback_is_allowed_only_when_asked_and_nothing_else_is() -> None:
    for text in ("127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"):
        assert forbidden(ipaddress.ip_address(text), allow_loopback=True) is None
    for text in ("10.0.0.1", "169.254.169.254", "224.0.0.1", "fe80::1"):
        assert forbidden(ipaddress.ip_address(text), allow_loopback=True) is not None
    for text in ("93.184.216.34", "2606:4700:4700::1111"):
        assert forbidden(ipaddress.ip_address(text)) is None


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)


PRIVATE_ANSWERS = [["10.0.0.5"], ["169.254.169.254"], ["239.1.1.1"],
                   ["93.184.216.34", "192.168.0.10"], ["fe80::1%eth0"]]  # fmt: skip


@pytest.mark.parametrize("resolved", PRIVATE_ANSWERS)
def test_a_host_resolving_to_a_private_address_is_never_connected_to(
    resolved: list[str], no_connections: None
) -> None:
    policy = Policy(allow_loopback=True, resolve=lambda host, port: resolved)
    with pytest.raises(FetchError, match=r"intranet\.example is (a|not)"):
        fetch.fetch("http://intranet.example/news", policy)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/a.html", "gopher://example.com/",
            "http://user:pw@example.com/", "http:///nohost"],
)  # fmt: skip
def test_only_plain_http_and_https_addresses_are_fetched(url: str, no_connections: None) -> None:
    with pytest.raises(FetchError):
        fetch.fetch(url, LOCAL)


# --- fetching from the local server -----------------------------------------------------------


def test_a_news_article_by_url_is_added_with_its_metadata(own: Path, web: PageServer) -> None:
    web.pages["/world/vatican"] = Page(news_page())
    added = add_url(own, web.url("/world/vatican"), LOCAL)
    assert (added.title, added.outlet, added.date, added.url) == (
        "Vatican offers to host talks", "Example Herald", "2025-05-19",
        "https://herald.example.com/vatican-talks",
    )  # fmt: skip
    assert PARAGRAPH in (own / added.file).read_text("utf-8").splitlines()
    _, headers = web.requests[0]
    agent = headers["User-Agent"]
    assert agent.startswith("TalksBot/") and "a page a moderator adds" in agent
    meta = json.loads((own / "articles.json").read_text("utf-8"))[added.file]
    assert web.url("/world/vatican") in meta["fetched_from"]


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(
    own: Path, web: PageServer
) -> None:
    """DNS rebinding: the name is resolved once; a second lookup could answer differently."""
    lookups: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    web.pages["/a"] = Page(news_page())
    policy = Policy(allow_loopback=True, resolve=resolve)
    page = fetch.fetch(f"http://news.invalid:{web.port}/a", policy)
    assert page.body == news_page() and lookups == ["news.invalid"]
    assert web.requests[0][1]["Host"] == f"news.invalid:{web.port}"


def test_a_redirect_to_another_loopback_address_is_refused_when_local_urls_are_not_allowed(
    own: Path, web: PageServer
) -> None:
    """The first server stands for a public site (the stand-in classifier treats exactly its
    address as public); its redirect to 127.0.0.2 is checked like any address and refused."""
    with serving("127.0.0.2") as inner:
        inner.pages["/article"] = Page(news_page())
        web.pages["/go"] = Page(status=302, headers={"Location": inner.url("/article")})
        public = ipaddress.ip_address("127.0.0.1")
        policy = Policy(check=lambda a, loop: None if a == public else forbidden(a))
        before = files(own)
        with pytest.raises(SourceError, match=r"127\.0\.0\.2 is a loopback address"):
            add_url(own, web.url("/go"), policy)
        assert inner.requests == [] and files(own) == before
        added = add_url(own, web.url("/go"), LOCAL)  # allowed: the redirect is followed
        assert added.title == "Vatican offers to host talks" and len(inner.requests) == 1


def test_a_local_address_is_refused_without_the_setting(own: Path, web: PageServer) -> None:
    web.pages["/a"] = Page(news_page())
    with pytest.raises(SourceError, match=r"loopback.*TALKS_ALLOW_LOCAL_URLS"):
        add_url(own, web.url("/a"), Policy())
    assert web.requests == []


def test_too_many_redirects_are_refused(web: PageServer) -> None:
    for n in range(8):
        web.pages[f"/r{n}"] = Page(status=301, headers={"Location": f"/r{n + 1}"})
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch.fetch(web.url("/r0"), LOCAL)
    assert len(web.requests) == 6


@pytest.mark.parametrize(
    ("page", "why"),
    [
        (Page(article_html(1).encode()), "too little article text"),
        (Page(b"<html><body><p>Subscribe to continue reading.</p></body></html>"),
         "too little article text"),
        (Page(article_html(body="<p>" + "Переговоры в Стамбуле продолжаются. " * 80 + "</p>",
                           lang="ru").encode()), "not English"),
        (Page(b"%PDF-1.4", content_type="application/pdf"), "not an HTML or text page"),
        (Page(b"{}", content_type="application/json"), "not an HTML or text page"),
        (Page(b"gone", 404, "text/plain"), "HTTP 404"),
        (Page(b"oops", 503, "text/html"), "HTTP 503"),
        (Page(b"x" * 6_000_000), "too large"),
        (Page(b"x" * 6_000_000, length=False), "too large"),
    ],
    ids=["stub", "paywall", "russian", "pdf", "json", "404", "503", "huge", "huge-unannounced"],
)  # fmt: skip
def test_a_bad_page_gets_one_line_and_changes_nothing(
    own: Path, web: PageServer, page: Page, why: str
) -> None:
    web.pages["/p"] = page
    before = files(own)
    with pytest.raises(SourceError, match=why) as exc:
        add_url(own, web.url("/p"), LOCAL)
    assert "\n" not in str(exc.value) and str(exc.value).startswith(web.url("/p"))
    assert files(own) == before


@pytest.mark.parametrize("page", [Page(news_page(), slow=True), Page(news_page(), stall=5)],
                         ids=["body-a-byte-a-second", "no-headers"])  # fmt: skip
def test_a_slow_page_times_out(own: Path, web: PageServer, monkeypatch, page: Page) -> None:
    """The whole fetch has one time limit (10 s; 1.5 s here to keep the test short)."""
    monkeypatch.setattr(fetch, "TOTAL_SECONDS", 1.5)
    web.pages["/slow"] = page
    before = files(own)
    started = time.monotonic()
    with pytest.raises(SourceError, match="timed out"):
        add_url(own, web.url("/slow"), LOCAL)
    assert time.monotonic() - started < 3.0
    assert files(own) == before


def test_a_page_cut_off_before_its_end_is_not_added(own: Path, web: PageServer) -> None:
    web.pages["/cut"] = Page(news_page(), announce=len(news_page()) + 5000)
    before = files(own)
    with pytest.raises(SourceError, match="before the whole page"):
        add_url(own, web.url("/cut"), LOCAL)
    assert files(own) == before


def test_the_same_article_again_is_refused(own: Path, web: PageServer) -> None:
    web.pages["/a"] = Page(news_page())
    web.pages["/mirror"] = Page(news_page().replace(b"herald.example.com", b"mirror.example"))
    add_url(own, web.url("/a"), LOCAL)
    asked = len(web.requests)
    with pytest.raises(SourceError, match="same URL"):
        add_url(own, web.url("/a"), LOCAL)
    assert len(web.requests) == asked  # refused before fetching again
    with pytest.raises(SourceError, match="same text"):
        add_url(own, web.url("/mirror"), LOCAL)


def test_plain_text_pages_are_taken_as_they_are(own: Path, web: PageServer) -> None:
    days = ("Monday", "Friday", "Sunday", "Tuesday")
    text = "\n\n".join(PARAGRAPH.replace("Monday", d) for d in days)
    web.pages["/a.txt"] = Page(text.encode("latin-1", "replace"),
                               content_type="text/plain; charset=iso-8859-1")  # fmt: skip
    added = add_url(own, web.url("/a.txt"), LOCAL)
    assert added.paragraphs == 4 and added.url == web.url("/a.txt")


def test_odd_characters_in_an_address_are_encoded_or_refused_in_one_line(web: PageServer) -> None:
    web.pages["/%D0%BD%D0%BE%D0%B2%D0%B8%D0%BD%D0%B8%20today"] = Page(news_page())
    page = fetch.fetch(web.url("/новини today"), LOCAL)
    assert page.body == news_page()
    with pytest.raises(FetchError) as exc:
        fetch.fetch(web.url("/a\r\nX-Injected: 1"), LOCAL)
    assert "\n" not in str(exc.value)
    assert all("X-Injected" not in headers for _, headers in web.requests)
