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


MARK_STYLES = {"✓": Style(color="green", bold=True), "≈": Style(color="yellow", bold=True),
               "?": Style(color="red", bold=True), "!": Style(color="red", bold=True,
                                                            reverse=True)}
MARKS = re.compile(r"(?<=\])[✓≈?!]+")


def style_marks(strip: Strip) -> Strip:
    """Colour the grounding glyphs written after [n] markers (app/grounding_marks.py)."""
    text = strip.text
    if "]" not in text:
        return strip
    cuts: list[tuple[int, int, str]] = []
    for match in MARKS.finditer(text):
        for i, glyph in enumerate(match.group(0)):
            at = cell_len(text[: match.start() + i])
            cuts.append((at, at + cell_len(glyph), glyph))
    if not cuts:
        return strip
    bounds = [b for start, end, _ in cuts for b in (start, end)] + [strip.cell_length]
    pieces = strip.divide(bounds)
    out = list(pieces[:1])
    for i, (_, _, glyph) in enumerate(cuts):
        out += [pieces[2 * i + 1].apply_style(MARK_STYLES[glyph]), pieces[2 * i + 2]]
    return Strip(list(Segment.simplify(seg for p in out for seg in p)), strip.cell_length)


class WrappedStrip(Strip):
    """A line that continues the one above it (the same paragraph, wrapped at the pane's
    width): a copied selection joins it with a space, not a line break."""

    __slots__ = ()


def mark_wrapped(strips: list[Strip], wraps: bool) -> list[Strip]:
    if not wraps or len(strips) < 2:
        return strips
    return strips[:1] + [WrappedStrip(list(s), s.cell_length) for s in strips[1:]]
