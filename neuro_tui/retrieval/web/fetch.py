"""Fetch pages concurrently, within limits a hostile server cannot stretch.

Per request: connect and read timeouts, a size cap (the body is read in chunks and
abandoned past it), an allow-list of content types, a redirect limit, and the address
guard on the first hop and every redirect. Across the batch: one total deadline, checked
between chunks, so a slow-drip server that sends a byte every second is cut off too.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from neuro_tui.retrieval.web.guard import AddressGuard, Blocked

USER_AGENT = "neuro-tui/0.1 (+https://github.com/neuro-tui; local assistant)"
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout: float = 5.0
    read_timeout: float = 8.0
    deadline: float = 15.0  # whole batch, seconds
    max_bytes: int = 2 * 1024 * 1024
    max_redirects: int = 5
    content_types: tuple[str, ...] = ("text/html", "application/xhtml+xml", "text/plain",
                                      "text/markdown")


@dataclass(frozen=True)
class FetchedPage:
    url: str  # as asked for
    final_url: str  # after redirects
    content_type: str
    html: str
    seconds: float


class FetchError(Exception):
    """Why one page was not fetched (shown as a note, never cited)."""


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address the guard checked, not to a fresh DNS answer."""

    def __init__(self, host: str, port: int, ip: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, ip: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._ip = ip

    def connect(self) -> None:
        raw = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def fetch(url: str, guard: AddressGuard, limits: FetchLimits,
          deadline_at: float | None = None) -> FetchedPage:
    """One page, following redirects by hand so each hop is checked; raises FetchError."""
    started = time.monotonic()
    deadline_at = deadline_at or started + limits.deadline
    current = url
    for _hop in range(limits.max_redirects + 1):
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"not an http(s) URL: {current[:200]}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            ip = guard.resolve(parts.hostname, port)[0]
        except Blocked as error:
            raise FetchError(f"refused: {error}") from None
        conn_class = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
        remaining = deadline_at - time.monotonic()
        if remaining <= 0:
            raise FetchError("deadline passed")
        conn = conn_class(parts.hostname, port, ip, min(limits.connect_timeout, remaining))
        try:
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request("GET", target, headers={
                "User-Agent": USER_AGENT, "Accept": "text/html,text/plain;q=0.8",
                "Accept-Encoding": "identity"})
            sock = conn.sock  # kept: http.client drops conn.sock when the server closes
            sock.settimeout(min(limits.read_timeout, max(deadline_at - time.monotonic(), 0.01)))
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchError(f"redirect without a Location ({response.status})")
                current = urljoin(current, location)
                continue
            if response.status != 200:
                raise FetchError(f"HTTP {response.status}")
            ctype = response.getheader("Content-Type", "")
            mime = ctype.split(";")[0].strip().lower()
            if mime not in limits.content_types:
                raise FetchError(f"content type {mime or 'missing'} not allowed")
            body = _read_capped(sock, response, limits, deadline_at)
            return FetchedPage(url, current, mime, _decode(body, ctype),
                               time.monotonic() - started)
        except (OSError, http.client.HTTPException) as error:
            if isinstance(error, TimeoutError | socket.timeout):
                if time.monotonic() >= deadline_at - 0.05:
                    raise FetchError("deadline passed (slow server)") from None
                raise FetchError("timed out") from None
            raise FetchError(f"{type(error).__name__}: {error}"[:200]) from None
        finally:
            conn.close()
    raise FetchError(f"more than {limits.max_redirects} redirects")


def _read_capped(sock: socket.socket, response, limits: FetchLimits, deadline_at: float) -> bytes:
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > limits.max_bytes:
        raise FetchError(f"too big ({int(length) // 1_000_000} MB > "
                         f"{limits.max_bytes // 1_000_000} MB)")
    chunks, size = [], 0
    while True:
        remaining = deadline_at - time.monotonic()
        if remaining <= 0:
            raise FetchError("deadline passed while reading (slow server)")
        sock.settimeout(min(limits.read_timeout, remaining))
        chunk = response.read1(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limits.max_bytes:
            raise FetchError(f"too big (over {limits.max_bytes // 1_000_000} MB)")
        chunks.append(chunk)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.I)


def _decode(body: bytes, content_type: str) -> str:
    match = re.search(r"charset=([\w-]+)", content_type, re.I)
    charset = match.group(1) if match else None
    if not charset and (meta := _META_CHARSET.search(body[:4096])):
        charset = meta.group(1).decode("ascii")
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def fetch_all(urls: list[str], guard: AddressGuard, limits: FetchLimits
              ) -> dict[str, FetchedPage | FetchError]:
    """Every URL at once; each result is a page or the reason it is missing."""
    if not urls:
        return {}
    deadline_at = time.monotonic() + limits.deadline
    pool = ThreadPoolExecutor(max_workers=min(len(urls), 8), thread_name_prefix="fetch")
    futures = {url: pool.submit(_safe_fetch, url, guard, limits, deadline_at) for url in urls}
    # Sockets honour the deadline themselves; this also covers a DNS lookup that hangs.
    wait(futures.values(), timeout=limits.deadline + 1.0)
    pool.shutdown(wait=False, cancel_futures=True)
    return {url: future.result() if future.done() else FetchError("deadline passed")
            for url, future in futures.items()}


def _safe_fetch(url: str, guard: AddressGuard, limits: FetchLimits, deadline_at: float
                ) -> FetchedPage | FetchError:
    try:
        return fetch(url, guard, limits, deadline_at)
    except FetchError as error:
        return error
    except Exception as error:  # noqa: BLE001 - one odd page must not sink the batch
        return FetchError(f"{type(error).__name__}: {error}"[:200])
