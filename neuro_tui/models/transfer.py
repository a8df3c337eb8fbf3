"""The byte transfer: Range GET appended to a kept partial file, sha256 computed as it is written.

Goes through huggingface_hub's shared HTTP session (its offline switch, proxies and request
ids apply). A dropped connection is retried from the bytes already on disk; if that keeps
failing the partial file stays for the next run to resume.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

import httpx2
from huggingface_hub.utils import get_session, hf_raise_for_status

from neuro_tui.errors import NetworkError
from neuro_tui.models.hub import RemoteFile

CHUNK = 1 << 20
RETRIES = 5
TIMEOUT = httpx2.Timeout(30.0, connect=10.0)
# (phase, bytes done, rate bytes/s, eta seconds or None); phase: "hashing" | "download"
OnProgress = Callable[[str, int, float, float | None], None]


def _hash_existing(part: Path, on_progress: OnProgress):
    digest = hashlib.sha256()
    done = 0
    if part.exists():
        with part.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                done += len(chunk)
        on_progress("hashing", done, 0.0, None)
    return digest, done


def fetch(remote: RemoteFile, part: Path, on_progress: OnProgress, *,
          sleep: Callable[[float], None] = time.sleep) -> str:
    """Complete `part` up to remote.size; return the sha256 of the whole file."""
    digest, done = _hash_existing(part, on_progress)
    started, start_bytes = time.monotonic(), done
    last_report = 0.0
    failures = 0
    while done < remote.size:
        headers = dict(remote.headers)
        if done:
            headers["Range"] = f"bytes={done}-"
        try:
            with get_session().stream("GET", remote.url, headers=headers, timeout=TIMEOUT,
                                      follow_redirects=True) as response:
                if response.status_code == 416:
                    raise NetworkError(f"the server refused to resume at byte {done} (HTTP 416)")
                hf_raise_for_status(response)
                if done and response.status_code == 200:  # Range ignored: start over
                    digest, done = hashlib.sha256(), 0
                    part.unlink(missing_ok=True)
                elif done and not response.headers.get("Content-Range", "").startswith(
                        f"bytes {done}-"):
                    raise NetworkError(f"bad Content-Range for a resume at byte {done}: "
                                       f"{response.headers.get('Content-Range')!r}")
                # unbuffered: bytes handed to write() survive a killed process
                with part.open("ab", buffering=0) as sink:
                    for chunk in response.iter_bytes():  # as received: a drop loses nothing
                        if done + len(chunk) > remote.size:
                            raise NetworkError(f"the server sent more than {remote.size} bytes")
                        view = memoryview(chunk)
                        while view:  # raw writes may be short (e.g. at a size limit)
                            view = view[sink.write(view):]
                        digest.update(chunk)
                        done += len(chunk)
                        failures = 0
                        now = time.monotonic()
                        if now - last_report >= 0.1 or done == remote.size:
                            last_report = now
                            rate = (done - start_bytes) / max(now - started, 1e-6)
                            eta = (remote.size - done) / rate if rate > 0 else None
                            on_progress("download", done, rate, eta)
            if done < remote.size:
                raise httpx2.RemoteProtocolError("the server closed the connection early")
        except (httpx2.TransportError, httpx2.StreamError) as error:
            failures += 1
            if failures > RETRIES:
                raise NetworkError(
                    f"download stopped at {done} of {remote.size} bytes ({error or type(error)}"
                    "); run the same command again to resume") from None
            sleep(min(2 ** (failures - 1) * 0.5, 8))
    return digest.hexdigest()
