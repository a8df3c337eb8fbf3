"""Mouse selection in the chat pane (MarkdownLog) with Textual's own text selection.

Textual maps the cell under the mouse to a content offset through the `offset` meta on
each rendered segment (`Strip.apply_offsets`, as its Log widget does); the Screen keeps
one Selection per widget and asks `get_selection` for the text. Offsets count characters
of a rendered line, so the text copied is the lines as drawn: Markdown already rendered
(no `**`, no backslash escapes), grounding glyphs as shown, trailing padding dropped, and
a paragraph wrapped at the pane's width joined again with spaces.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.selection import Selection
from textual.strip import Strip


def selected_text(lines: list[str], selection: Selection,
                  wrapped: Sequence[bool] = ()) -> str:
    """The part of `lines` (one string per rendered line) that `selection` covers; a line
    marked in `wrapped` continues the one above (a soft wrap) and is joined with a space."""
    if not lines:
        return ""
    start_y, start_x = (0, 0) if selection.start is None else selection.start.transpose
    if selection.end is None:
        end_y, end_x = len(lines) - 1, len(lines[-1])
    else:
        end_y, end_x = selection.end.transpose
    end_y = min(end_y, len(lines) - 1)
    if start_y > end_y:
        return ""
    if start_y == end_y:
        return lines[start_y][start_x:end_x].rstrip()
    picked = [lines[start_y][start_x:], *lines[start_y + 1:end_y], lines[end_y][:end_x]]
    out = [picked[0].rstrip()]
    for y, line in enumerate(picked[1:], start_y + 1):
        soft = y < len(wrapped) and wrapped[y]
        joint = ("" if not out[-1] else " ") if soft else "\n"
        out.append(joint + line.rstrip())
    return "".join(out)


def selection_style(widget) -> Style:
    """The theme's selection colours as one Rich style over `widget`'s background: Textual
    gives them with alpha (background at 50 %, foreground transparent: the text keeps its
    own colour); the plain Rich style it also offers paints the text in the background
    colour (seen in tmux: the selected words vanished)."""
    from textual.style import Style as VisualStyle

    chosen = VisualStyle.from_styles(widget.screen.get_component_styles("screen--selection"))
    under = widget.background_colors[1]
    back = under + chosen.background if chosen.background is not None else under
    fore = chosen.foreground
    color = None if fore is None or fore.a == 0 else (back + fore).rich_color
    return Style(color=color, bgcolor=back.rich_color)


def highlight(strip: Strip, span: tuple[int, int], style: Style) -> Strip:
    """`strip` with characters span[0]..span[1] (-1: to the end) drawn in `style`, which
    goes over the text's own colours."""
    text = strip.text
    start = cell_len(text[: span[0]])
    end = strip.cell_length if span[1] == -1 else cell_len(text[: span[1]])
    if end <= start:
        return strip
    before, middle, after = strip.divide([start, end, strip.cell_length])
    lit = [Segment(seg.text, (seg.style + style) if seg.style else style, seg.control)
           for seg in middle]
    return Strip([*before, *lit, *after], strip.cell_length)
