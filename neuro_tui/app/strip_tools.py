"""Small operations on rendered lines (Strips) used by the transcript."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

CITE = re.compile(r"\[(\d{1,3})\]")


def blank_line(line: list[Segment]) -> bool:
    """Rich pads blocks with empty lines; we space blocks ourselves (code padding stays)."""
    return all(not seg.text.strip() and not (seg.style and seg.style.bgcolor) for seg in line)


def pad_line(line: list[Segment]) -> bool:
    return all(not seg.text.strip() for seg in line)


def style_citations(strip: Strip, style: Style) -> Strip:
    """Make every [n] marker look like a link (cell offsets, so wide glyphs are respected)."""
    text = strip.text
    if "[" not in text:
        return strip
    cuts: list[int] = []
    for match in CITE.finditer(text):
        cuts += [cell_len(text[: match.start()]), cell_len(text[: match.end()])]
    if not cuts:
        return strip
    pieces = strip.divide(cuts + [strip.cell_length])
    out = [p.apply_style(style) if i % 2 else p for i, p in enumerate(pieces)]
    return Strip(list(Segment.simplify(seg for p in out for seg in p)), strip.cell_length)
