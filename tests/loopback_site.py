"""A real HTTP server on 127.0.0.1 serving real HTML, plus hostile pages, for web tests.

Pages come from /usr/share/doc (Debian's Python policy, Node's API docs...) so the
extractor sees HTML nobody here wrote. Hostile routes: escape codes and Rich markup in
text, a 50 MB body, an endless redirect, redirects to loopback and cloud-metadata
addresses, a binary content type and a slow drip.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DOC_CANDIDATES = [
    "/usr/share/doc/python3/python-policy.html",
    "/usr/share/doc/nodejs/api/fs.html",
    "/usr/share/doc/nodejs/api/path.html",
    "/usr/share/doc/nodejs/api/url.html",
    "/usr/share/doc/nodejs/api/dns.html",
    "/usr/share/doc/nodejs/api/zlib.html",
    "/usr/share/doc/python3-pip/html/index.html",
]
BIG_PAGE = Path("/usr/share/doc/nodejs/api/all.html")
ESCAPES_HTML = (
    "<html><head><title>Evil \x1b]0;pwned\x07 title</title></head><body><article>"
    "<h1>Terminal tricks</h1><p>The zebra protocol uses port 7777. \x1b[31mRED\x1b[0m "
    "\x1b]52;c;ZWNobyBoaQ==\x07 [bold red]not markup[/] [link=http://x]y[/link]</p>"
    "<p>More text about the zebra protocol so the page has enough words to be kept by the "
    "extractor, which drops pages that look empty or like boilerplate.</p>"
    "</article></body></html>"
)


def real_pages() -> list[Path]:
    return [Path(p) for p in DOC_CANDIDATES if Path(p).is_file()]


class LoopbackSite:
    def __init__(self, latency: float = 0.0, other_port: int | None = None):
        self.latency = latency  # seconds before each response, like a real server's TTFB
        self.other_port = other_port  # where /redirect-local points
        self.pages = real_pages()
        self.hits: Counter[str] = Counter()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                site.hits[self.path] += 1
                try:
                    site.route(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _send(self, h, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
              headers: dict | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.end_headers()
        h.wfile.write(body)

    def route(self, h) -> None:
        path = h.path
        if self.latency:
            time.sleep(self.latency)
        if path.startswith("/doc/"):
            index = int(path.split("/")[2])
            self._send(h, 200, self.pages[index].read_bytes())
        elif path == "/big":
            self._send(h, 200, BIG_PAGE.read_bytes())
        elif path == "/escapes":
            self._send(h, 200, ESCAPES_HTML.encode())
        elif path == "/huge":  # 50 MB, no Content-Length: the cap must stop the stream
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.end_headers()
            block = b"<p>" + b"x" * 1021 + b"</p>"
            for _ in range(50 * 1024):
                h.wfile.write(block)
        elif path == "/loop":
            self._send(h, 302, b"", headers={"Location": "/loop"})
        elif path == "/redirect-local":
            self._send(h, 302, b"", headers={
                "Location": f"http://127.0.0.1:{self.other_port}/doc/0"})
        elif path == "/redirect-metadata":
            self._send(h, 302, b"", headers={
                "Location": "http://169.254.169.254/latest/meta-data/"})
        elif path == "/binary":
            self._send(h, 200, b"\x7fELF" + b"\x00" * 1000, "application/octet-stream")
        elif path == "/drip":
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.end_headers()
            for _ in range(300):
                h.wfile.write(b"<")
                h.wfile.flush()
                time.sleep(0.2)
        else:
            self._send(h, 404, b"not found")
