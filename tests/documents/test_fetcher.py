"""The renderer loads only the project's static files and data: URIs — never the network, never local files.

These tests go to the fetcher with raw HTML (no Markdown sanitising in front), and keep a real socket listener
on loopback to prove nothing ever connects to it."""

import base64
import io
import socket
import threading

import pypdf
import pytest

from procurement.documents.fetcher import STATIC_ORIGIN, RefusedURL, SafeURLFetcher
from procurement.documents.renderer import html_to_pdf

PNG_1PX = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)).decode()


class Listener:
    """A real TCP server on 127.0.0.1 that records every connection it accepts."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def hostile_html(port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    return f"""<!doctype html><html><head>
    <link rel="stylesheet" href="{base}/sheet.css">
    <link rel="stylesheet" href="/static/css/documents.css">
    <style>@import url("{base}/import.css"); body {{ background: url("{base}/bg.png"); }}
      h1 {{ background-image: url("file:///etc/passwd"); }}</style>
    </head><body>
    <h1>Hostile document</h1>
    <img src="{base}/x.png" alt="remote">
    <img src="file:///etc/passwd" alt="local">
    <img src="data:image/png;base64,{PNG_1PX}" alt="inline">
    <img src="/static/../../../../etc/passwd" alt="traversal">
    <img src="data:image/svg+xml;charset=utf-8,%3Csvg xmlns='http://www.w3.org/2000/svg' width='20' height='20'%3E\
%3Cimage href='{base}/svg-inner.png' width='10' height='10'/%3E%3C/svg%3E" alt="svg">
    <a href="file:///etc/passwd">passwd link</a>
    <a rel="attachment" href="file:///etc/passwd">attached passwd</a>
    <a rel="attachment" href="{base}/attach.bin">attached remote</a>
    <iframe src="{base}/frame"></iframe><object data="{base}/obj"></object>
    <embed src="file:///etc/hostname">
    </body></html>"""


def test_raw_hostile_html_still_renders_and_nothing_is_fetched_or_embedded(listener):
    rendered = html_to_pdf(hostile_html(listener.port))

    reader = pypdf.PdfReader(io.BytesIO(rendered.content))
    assert rendered.content.startswith(b"%PDF")
    assert "Hostile document" in reader.pages[0].extract_text()
    assert listener.connections == 0
    assert reader.attachments == {}
    assert b"root:x:0:0" not in rendered.content
    refused = " ".join(rendered.refused_urls)
    assert f"127.0.0.1:{listener.port}/x.png" in refused
    assert f"127.0.0.1:{listener.port}/bg.png" in refused
    assert f"127.0.0.1:{listener.port}/attach.bin" in refused
    assert f"127.0.0.1:{listener.port}/svg-inner.png" in refused  # URLs inside an inline SVG go through it too
    assert "file:///etc/passwd" in refused


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x", "https://example.org/a.png", "file:///etc/passwd", "FILE:///etc/passwd",
    "ftp://127.0.0.1/x", "gopher://127.0.0.1/", f"{STATIC_ORIGIN}/static/../settings.py",
    f"{STATIC_ORIGIN}/static/%2e%2e/%2e%2e/etc/passwd", f"{STATIC_ORIGIN}/static/css/nope.css",
    f"{STATIC_ORIGIN}/etc/passwd", f"{STATIC_ORIGIN}.evil.test/static/css/documents.css",
    "http://baton-static.invalid/static/css/documents.css",
])
def test_the_fetcher_refuses_everything_but_own_static_files_and_data(url):
    with pytest.raises(RefusedURL):
        SafeURLFetcher().fetch(url)


def test_the_fetcher_serves_own_static_files_and_data_uris():
    fetcher = SafeURLFetcher()
    css = fetcher.fetch(f"{STATIC_ORIGIN}/static/css/documents.css")
    assert b"@page" in css.read()
    assert css.content_type == "text/css"
    image = fetcher.fetch(f"data:image/png;base64,{PNG_1PX}")
    assert image.read().startswith(b"\x89PNG")
    text = fetcher.fetch("data:,hello%20world")
    assert text.read() == b"hello world"


def test_the_fetcher_never_opens_a_connection_even_through_the_urllib_interface(listener):
    from urllib.request import Request

    with pytest.raises(RefusedURL):
        SafeURLFetcher().open(Request(f"http://127.0.0.1:{listener.port}/"))
    assert listener.connections == 0
