"""Turn a file on disk into (title, text, kind), or say why it was skipped.

Formats: plain text, Markdown, reStructuredText, HTML (readable text via trafilatura),
source code, and any of these gzip-compressed (Debian ships its docs as .gz). Skip
reasons are a fixed vocabulary so the summary can count them: binary, too big,
unreadable, encoding.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from neuro_tui.retrieval.chunking import title_of
from neuro_tui.retrieval.htmltext import FAST_ABOVE, html_to_text
from neuro_tui.textsafe import one_line, strip_controls

MAX_BYTES = 16 * 1024 * 1024  # per file, after decompression

BINARY_SUFFIXES = {
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".pdf", ".zip", ".xz", ".bz2",
    ".zst", ".tar", ".7z", ".so", ".o", ".a", ".pyc", ".pyo", ".whl", ".egg", ".exe", ".dll",
    ".class", ".jar", ".woff", ".woff2", ".ttf", ".otf", ".mo", ".gguf", ".bin", ".db",
    ".sqlite", ".mp3", ".mp4", ".wav", ".ogg", ".avi", ".mkv", ".deb", ".rpm", ".npy",
}
MARKDOWN = {".md", ".markdown", ".mdown", ".mkd"}
RST = {".rst", ".rest", ".txt.rst"}
HTML = {".html", ".htm", ".xhtml"}


class Skipped(Exception):
    """A file we will not index; `reason` is one of the summary's categories."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class LoadedDoc:
    title: str
    text: str
    kind: str  # markdown, rst, python, code, text (HTML arrives as markdown)
    source_lines: bool = True  # False when the text is extracted (HTML): no file line numbers


def kind_for(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    suffix = Path(lower).suffix
    if suffix in MARKDOWN:
        return "markdown"
    if suffix in RST:
        return "rst"
    if suffix in HTML:
        return "html"
    if suffix in (".py", ".pyi"):
        return "python"
    if suffix in ("", ".txt", ".text", ".log") or lower.startswith(("readme", "changelog")):
        return "text"
    return "code"


def read_bytes(path: Path, max_bytes: int = MAX_BYTES, raw: bytes | None = None) -> bytes:
    """The file's (decompressed) bytes, refusing binaries and oversized files.

    `raw` is the file's content when the caller has already read it (to hash it)."""
    name = path.name.lower()
    inner = name[:-3] if name.endswith(".gz") else name
    if Path(inner).suffix in BINARY_SUFFIXES:
        raise Skipped("binary", Path(inner).suffix)
    try:
        if raw is None:
            if not name.endswith(".gz") and path.stat().st_size > max_bytes:
                raise Skipped("too big", f"{path.stat().st_size} bytes")
            raw = path.read_bytes()
        if name.endswith(".gz"):
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as handle:
                data = handle.read(max_bytes + 1)
        else:
            data = raw
    except (OSError, EOFError, zlib.error) as error:
        raise Skipped("unreadable", getattr(error, "strerror", None) or str(error)) from None
    if len(data) > max_bytes:
        raise Skipped("too big", f"over {max_bytes} bytes")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Skipped("binary", "NUL bytes")
    return data


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, or nearly-UTF-8; else Skipped."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise Skipped("encoding", "bad UTF-16") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        if text.count("\ufffd") <= max(2, len(text) // 200):
            return text  # a few stray bytes in an otherwise UTF-8 file
        try:
            return data.decode("cp1252")  # old Windows/Latin-1 text files
        except UnicodeDecodeError:
            raise Skipped("encoding", "not UTF-8 or cp1252") from None


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


def html_to_markdown(html: str, url: str | None = None) -> tuple[str | None, str]:
    """(title, markdown) of a page's main text. `fast` skips trafilatura's fallback
    extractors and we skip its metadata pass (date parsing alone was 1/3 of the time)."""
    import trafilatura

    text = trafilatura.extract(html, url=url, output_format="markdown", fast=True,
                               include_comments=False, include_tables=True) or ""
    return html_title(html), text


def html_title(html: str) -> str | None:
    match = _TITLE.search(html, 0, 200_000)
    title = unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else None
    return title or None


def load(path: Path, max_bytes: int = MAX_BYTES, raw: bytes | None = None) -> LoadedDoc:
    """Read and decode one file into indexable text."""
    text = decode(read_bytes(path, max_bytes, raw))
    kind = kind_for(path.name)
    title = None
    if kind == "html":
        if len(text) > FAST_ABOVE:
            title, text = html_title(text), html_to_text(text)
        else:
            title, text = html_to_markdown(text)
        kind = "markdown"
    text = strip_controls(text)
    title = title or title_of(text, kind) or path.name
    return LoadedDoc(one_line(title), text, kind, source_lines=kind_for(path.name) != "html")
