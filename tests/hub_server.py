"""A loopback Hugging Face Hub speaking the protocol huggingface_hub 2.4 uses for downloads.

- GET /api/models/{repo}/revision/{rev}?blobs=True: model info with siblings (size, blobId,
  lfs {size, sha256, pointerSize}) and the commit `sha`; 401/404 + X-Error-Code otherwise.
- HEAD|GET /{repo}/resolve/{rev}/{file}: 302 to a "CDN" on another host name (localhost vs
  127.0.0.1, so the client drops auth as it must) with X-Repo-Commit, X-Linked-Etag,
  X-Linked-Size and ETag, like the hub does for LFS files; 404 + EntryNotFound if missing.
- GET|HEAD /cdn/{sha256}: the bytes, with Accept-Ranges and Range (206, Content-Range).

Faults for the tests: flip one byte, drop the connection after N bytes, hang after a drop
(so a test can kill the client mid-download), throttle, advertise a false size.
Every request is logged (method, path, headers) so tests can assert on what was asked.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class Faults:
    corrupt_offset: int | None = None  # flip the byte at this offset in every GET
    drop_after: int | None = None  # close the connection after this absolute offset, once
    hang_after_drop: bool = False  # later GETs hang until released (client gets killed)
    rate: float | None = None  # bytes per second
    advertised_size: int | None = None  # lie about the size (disk-full pre-check)
    ignore_range: bool = False  # answer 200 with the whole file, as some CDNs do
    gone: set[str] = field(default_factory=set)  # "repo" or "repo/file" answering 404


class FakeHub:
    def __init__(self, files: dict[str, dict[str, Path]]):
        """files: {"org/repo": {"file.gguf": Path}} served as LFS files."""
        self.files = {repo: {name: p.read_bytes() for name, p in fs.items()}
                      for repo, fs in files.items()}
        self.sha = {h: data for fs in self.files.values() for data in fs.values()
                    for h in [hashlib.sha256(data).hexdigest()]}
        self.faults = Faults()
        self.log: list[dict] = []
        self.release = threading.Event()
        self._dropped = False
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def requests(self, method: str | None = None, prefix: str = "") -> list[dict]:
        with self._lock:
            return [r for r in self.log if (method is None or r["method"] == method)
                    and r["path"].startswith(prefix)]

    def _handler(hub):  # noqa: N805 - the closure gives the handler its hub
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_HEAD(self) -> None:
                self._route(body=False)

            def do_GET(self) -> None:
                self._route(body=True)

            def _route(self, body: bool) -> None:
                url = urlsplit(self.path)
                path = unquote(url.path)
                with hub._lock:
                    hub.log.append({"method": self.command, "path": path, "query": url.query,
                                    "host": self.headers.get("Host"),
                                    "headers": {k.lower(): v for k, v in self.headers.items()}})
                if path.startswith("/api/models/"):
                    return self._model_info(path[len("/api/models/"):], body)
                if path.startswith("/cdn/"):
                    return self._blob(path[len("/cdn/"):], body)
                if "/resolve/" in path:
                    return self._resolve(path.lstrip("/"), body)
                self._send(404, b"not found", body)

            def _send(self, status: int, data: bytes, body: bool, headers=None) -> None:
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)

            def _error(self, status: int, code: str, body: bool) -> None:
                self._send(status, json.dumps({"error": code}).encode(), body,
                           {"X-Error-Code": code, "X-Repo-Commit": COMMIT,
                            "Content-Type": "application/json"})

            def _model_info(self, rest: str, body: bool) -> None:
                repo = rest.split("/revision/")[0]
                if repo not in hub.files or repo in hub.faults.gone:
                    return self._error(401, "RepoNotFound", body)
                siblings = []
                for name, data in hub.files[repo].items():
                    size = hub.faults.advertised_size or len(data)
                    siblings.append({"rfilename": name, "size": size,
                                     "blobId": hashlib.sha1(data).hexdigest(),
                                     "lfs": {"size": size, "pointerSize": 134,
                                             "sha256": hashlib.sha256(data).hexdigest()}})
                info = {"id": repo, "modelId": repo, "sha": COMMIT, "private": False,
                        "siblings": siblings}
                self._send(200, json.dumps(info).encode(), body,
                           {"Content-Type": "application/json"})

            def _resolve(self, rest: str, body: bool) -> None:
                repo, _, tail = rest.partition("/resolve/")
                _rev, _, name = tail.partition("/")
                if repo not in hub.files or repo in hub.faults.gone:
                    return self._error(401, "RepoNotFound", body)
                if name not in hub.files[repo] or f"{repo}/{name}" in hub.faults.gone:
                    return self._error(404, "EntryNotFound", body)
                data = hub.files[repo][name]
                sha = hashlib.sha256(data).hexdigest()
                size = hub.faults.advertised_size or len(data)
                self._send(302, b"", body, {
                    "Location": f"http://localhost:{hub.port}/cdn/{sha}?X-Amz-Signature=fake",
                    "X-Repo-Commit": COMMIT, "X-Linked-Etag": f'"{sha}"',
                    "X-Linked-Size": str(size), "ETag": f'"{hashlib.sha1(data).hexdigest()}"'})

            def _blob(self, sha: str, body: bool) -> None:
                data = hub.sha.get(sha)
                if data is None:
                    return self._send(404, b"NoSuchKey", body)
                start, status = 0, 200
                headers = {"Accept-Ranges": "bytes", "ETag": f'"{sha}"',
                           "Content-Type": "binary/octet-stream"}
                ranged = None if hub.faults.ignore_range else self.headers.get("Range")
                if ranged:
                    start = int(ranged.removeprefix("bytes=").split("-")[0])
                    if start >= len(data):
                        return self._send(416, b"", body, {"Content-Range": f"bytes */{len(data)}"})
                    status = 206
                    headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
                if not body:
                    return self._send(status, data[start:], False, headers)
                if hub._dropped and hub.faults.hang_after_drop:
                    hub.release.wait(120)
                    self.close_connection = True
                    return
                payload = bytearray(data[start:])
                offset = hub.faults.corrupt_offset
                if offset is not None and offset >= start:
                    payload[offset - start] ^= 0xFF
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self._stream(bytes(payload), start)

            def _stream(self, payload: bytes, start: int) -> None:
                cut = hub.faults.drop_after
                if cut is not None and not hub._dropped and start < cut:
                    payload = payload[:cut - start]
                    hub._dropped = True
                    drop = True
                else:
                    drop = False
                step = 64 * 1024
                for i in range(0, len(payload), step):
                    try:
                        self.wfile.write(payload[i:i + step])
                    except OSError:
                        return
                    if hub.faults.rate:
                        time.sleep(step / hub.faults.rate)
                if drop:
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)

        return Handler
