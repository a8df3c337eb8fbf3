"""What the Hugging Face Hub says about one file, through huggingface_hub's own API.

huggingface_hub knows the endpoint, auth token, headers and redirect rules (auth is dropped
when the file lives on a CDN host); we use it for everything but the byte transfer, which
download.py does itself to get resume, streamed sha256 and a lock. Telemetry is off.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")  # before huggingface_hub reads it

from dataclasses import dataclass  # noqa: E402

import httpx2  # noqa: E402
from huggingface_hub import HfApi, constants, get_hf_file_metadata, hf_hub_url  # noqa: E402
from huggingface_hub.errors import (  # noqa: E402
    GatedRepoError,
    HfHubHTTPError,
    OfflineModeIsEnabled,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import build_hf_headers  # noqa: E402

from neuro_tui import __version__  # noqa: E402
from neuro_tui.errors import MissingError, NetworkError  # noqa: E402
from neuro_tui.models.registry import ModelEntry  # noqa: E402

constants.HF_HUB_DISABLE_TELEMETRY = True  # also when huggingface_hub was imported before us
AGENT = {"library_name": "neuro-tui", "library_version": __version__}
OFFLINE_HINT = "smollm2 works offline"


@dataclass(frozen=True)
class RemoteFile:
    url: str  # where to GET the bytes (after the hub's redirect)
    size: int
    sha256: str  # from the hub's LFS metadata ("" if the hub did not say)
    etag: str
    commit: str
    headers: dict[str, str]  # auth + user agent, minus auth when the url is off the hub


def endpoint() -> str:
    """HF_ENDPOINT read now, not at import time, so a changed environment is honoured."""
    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def is_offline() -> bool:
    value = os.environ.get("HF_HUB_OFFLINE", "")
    return value.upper() in ("1", "ON", "YES", "TRUE") or constants.HF_HUB_OFFLINE


def offline_error(name: str, reason: str = "") -> NetworkError:
    extra = f" ({reason})" if reason else ""
    return NetworkError(f"offline: {name} is not downloaded; {OFFLINE_HINT}{extra}")


def not_found(entry: ModelEntry, what: str) -> MissingError:
    return MissingError(
        f"{entry.name}: {what} on the hub (404): the registry entry is out of date; "
        f"check {entry.url()}, update neuro-tui, or download the .gguf yourself and pass "
        "--model PATH")


def locate(entry: ModelEntry, token: str | bool | None = None) -> RemoteFile:
    """model_info(files_metadata) for size/sha256, then HEAD for etag, commit and location."""
    if is_offline():
        raise offline_error(entry.name, "HF_HUB_OFFLINE is set")
    base = endpoint()
    try:
        info = HfApi(endpoint=base, token=token, **AGENT).model_info(
            entry.repo, revision=entry.revision, files_metadata=True)
        sibling = next((s for s in info.siblings or [] if s.rfilename == entry.file), None)
        if sibling is None:
            raise not_found(entry, f"{entry.repo} has no file {entry.file}")
        url = hf_hub_url(entry.repo, entry.file, revision=info.sha or entry.revision,
                         endpoint=base)
        meta = get_hf_file_metadata(url, token=token, endpoint=base, **AGENT)
    except (RemoteEntryNotFoundError, RevisionNotFoundError):
        raise not_found(entry, f"{entry.repo}@{entry.revision} has no file {entry.file}") from None
    except GatedRepoError:
        raise NetworkError(f"{entry.name}: {entry.repo} is gated: accept its terms on "
                           f"{entry.url()} and log in with `hf auth login`") from None
    except RepositoryNotFoundError:
        raise not_found(entry, f"repository {entry.repo} is gone or private") from None
    except OfflineModeIsEnabled:
        raise offline_error(entry.name, "HF_HUB_OFFLINE is set") from None
    except (httpx2.ConnectError, httpx2.TimeoutException) as error:
        raise offline_error(entry.name, f"cannot reach {base}: {error}") from None
    except HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        raise NetworkError(f"{entry.name}: the hub answered HTTP {status} for {entry.repo}; "
                           "try again later") from None
    size = meta.size or sibling.size
    if not size:
        raise NetworkError(f"{entry.name}: the hub did not give the size of {entry.file}")
    lfs_sha = sibling.lfs.sha256 if sibling.lfs else ""
    headers = build_hf_headers(token=token, **AGENT)
    if meta.location != url and not _same_origin(url, meta.location):
        headers.pop("authorization", None)  # signed CDN url: never send the token off the hub
    headers["Accept-Encoding"] = "identity"  # exact byte offsets for Range and sizes
    return RemoteFile(url=meta.location, size=int(size), sha256=lfs_sha,
                      etag=meta.etag or "", commit=meta.commit_hash or "", headers=headers)


def _same_origin(a: str, b: str) -> bool:
    pa, pb = httpx2.URL(a), httpx2.URL(b)
    return (pa.scheme, pa.host, pa.port) == (pb.scheme, pb.host, pb.port)
