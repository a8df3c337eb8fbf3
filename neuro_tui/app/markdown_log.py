"""The chat transcript: streaming Markdown at flat cost per token ("design c").

Why not Textual's Markdown/MarkdownStream: every append re-lays out every block, so its
cost per token grows with the answer (bench/bench_stream_render.py compares the two in one
run; results in docs/benchmarks.md, "TUI: streaming Markdown render"). Here each finished
top-level block is rendered ONCE into Strips kept in one flat list; `render_line(y)` is a
lookup; only the open (last) block is re-rendered, at most 30 times a second. All finished
turns live in this one widget (history merged), so the 100th answer costs what the first
did. Width or theme changes re-render the kept block sources.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from neuro_tui.app import answer_marks, log_selection
from neuro_tui.app.markdown_blocks import BlockMarkdown, block_starts, split_open_fence
from neuro_tui.app.strip_tools import (
    CITE,
    WrappedStrip,
    blank_line,
    mark_wrapped,
    pad_line,
    style_citations,
    style_marks,
)

FRAME_S = 1 / 30


@dataclass
class Block:
    kind: str  # "md" | "user" | "note"
    source: str
    turn: int
    style: str = ""
    trim_top: bool = False  # a fence chunk continuing the one above: no padding, no gap
    trim_bottom: bool = False
    marked: bool = False  # an answer with grounding glyphs after its [n] (coloured)
    height: int = 0  # lines it holds in the flat list, its gap line included
    gap: bool = False  # its first line is the blank line between blocks
    first: int = -1  # its lines in the answer text, first..end (-1: not a plain slice)
    end: int = -1


class MarkdownLog(Widget):
    """Text arrives cleaned by the chat core (textsafe); it is rendered as Markdown text or
    `Text`, never parsed as console markup."""

    DEFAULT_CSS = "MarkdownLog { height: auto; padding: 0 1; }"

    @dataclass
    class CitationClicked(Message):
        """A `[n]` marker in answer `turn` was clicked."""

        turn: int
        number: int

    @dataclass
    class TurnClicked(Message):
        """Somewhere else in turn `turn` was clicked (its sources are shown)."""

        turn: int

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.blocks: list[Block] = []
        self._lines: list[Strip] = []
        self._owner: list[int] = []  # turn of each frozen line
        self._tail = ""  # source of the open answer not yet frozen
        self._tail_lines: list[Strip] = []
        self._tail_cont = False  # the open tail continues a frozen fence chunk
        self._turn: int | None = None  # the streaming turn
        self._width = 0
        self._timer = None
        self._last_flush = 0.0
        self._last_gc = 0.0
        self.flushes = 0
        self._base_style: Style | None = None  # cached: rich_style walks every ancestor
        self._base_key = ""
        self._answer_at: tuple[int, int, int] | None = None  # turn, block, line it began at
        self._marking = False  # the answer being re-rendered carries grounding glyphs
        self._reuse: dict[str, list[Strip]] = {}  # block source -> strips, while re-marking
        self._tail_at: int | None = 0  # answer line the tail starts at (None: after a chunk)
        self._pending: list[int] = []  # marked blocks still shown without their glyphs
        self._pending_at = (0, 0)  # block and line the answer they belong to starts at
        self._painting = False  # render_line called to paint, not to find the mouse's text
        self._lit: tuple[str, Style] | None = None  # (theme, selection style)

    # -- rendering -------------------------------------------------------------------
    def _render_block(self, block: Block) -> list[Strip]:
        if block.kind == "md" and not block.trim_top and not block.trim_bottom and (
                (kept := self._reuse.get(block.source)) is not None):
            return kept  # re-marking: a block the glyphs did not change
        width = max(10, self._width)
        console = self.app.console
        options = console.options.update(width=width, height=None, highlight=False)
        if block.kind == "md":
            dark = getattr(self.app.current_theme, "dark", True)
            renderable = BlockMarkdown(block.source, "monokai" if dark else "default")
        else:
            renderable = Text(block.source, style=Style.parse(block.style or "none"))
        lines = console.render_lines(renderable, options, pad=False)
        while lines and blank_line(lines[-1]):
            lines.pop()
        while lines and blank_line(lines[0]):
            lines.pop(0)
        if block.trim_top and lines and pad_line(lines[0]):
            lines.pop(0)
        if block.trim_bottom and lines and pad_line(lines[-1]):
            lines.pop()
        strips = [Strip(line) for line in lines]
        if block.kind == "md":
            strips = [style_citations(s, self._cite_style) for s in strips]
            strips = [style_marks(s) for s in strips] if block.marked else strips
        return mark_wrapped(strips, _wraps(block, renderable))

    @property
    def _cite_style(self) -> Style:
        theme = self.app.current_theme
        return Style(color=theme.accent or theme.primary, bold=True, underline=True)

    def _append_block(self, block: Block) -> None:
        gap = bool(self.blocks) and block.kind != "note" and not block.trim_top
        self.blocks.append(block)
        new = ([Strip.blank(0)] if gap else []) + self._render_block(block)
        block.height, block.gap = len(new), gap
        self._lines.extend(new)
        self._owner.extend([block.turn] * len(new))

    def rerender(self) -> None:
        """Width or theme changed: render every kept block again."""
        self._base_style, self._pending = None, []
        blocks, self.blocks, self._lines, self._owner = self.blocks, [], [], []
        for block in blocks:
            self._append_block(block)
        self._tail_lines = self._render_tail()
        self.refresh(layout=True)

    def _render_tail(self) -> list[Strip]:
        if not self._tail.strip():
            return []
        gap = bool(self._lines) and not self._tail_cont
        return [Strip.blank(0)] * gap + self._render_block(
            Block("md", self._tail, self._turn or 0, trim_top=self._tail_cont))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if width != self._width:
            self._width = width
            if self.blocks or self._tail:
                self.rerender()
        return len(self._lines) + len(self._tail_lines)

    def render_line(self, y: int) -> Strip:
        frozen = len(self._lines)
        if y < frozen:
            strip = self._lines[y]
        elif y - frozen < len(self._tail_lines):
            strip = self._tail_lines[y - frozen]
        else:
            strip = Strip.blank(0)
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            strip = log_selection.highlight(strip, span, self._selection_style())
        if self._base_style is None or self._base_key != self.app.theme:
            self._base_style, self._base_key = self.rich_style, self.app.theme
        style = self._base_style
        if not self._painting:  # Textual's hit test for a mouse selection: log_selection.py
            strip = strip.apply_offsets(0, y)
        return strip.apply_style(style).extend_cell_length(self._width, style)

    def render_lines(self, crop: Region) -> list[Strip]:
        """Painting needs no selection offsets: without them a frame costs no Style per
        segment and segments of one style still merge (screenshots stay the same)."""
        self._painting = True
        try:
            return super().render_lines(crop)
        finally:
            self._painting = False

    def _selection_style(self) -> Style:
        if self._lit is None or self._lit[0] != self.app.theme:
            self._lit = (self.app.theme, log_selection.selection_style(self))
        return self._lit[1]

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text a mouse drag covered, as drawn (Ctrl+C copies it: chat_actions)."""
        strips = self._lines + self._tail_lines
        return log_selection.selected_text([s.text for s in strips], selection,
                                           [isinstance(s, WrappedStrip) for s in strips]), "\n"

    # -- the transcript API ----------------------------------------------------------
    def add_user(self, text: str, turn: int) -> None:
        self._append_block(Block("user", "› " + text, turn, self._user_style()))
        self.refresh(layout=True)

    def _user_style(self) -> str:
        theme = self.app.current_theme
        return f"bold {theme.secondary or theme.primary}"

    def add_note(self, text: str, turn: int, style: str = "dim italic") -> None:
        self._append_block(Block("note", text, turn, style))
        self.refresh(layout=True)

    def begin_answer(self, turn: int) -> None:
        self._turn, self._tail, self._tail_lines, self._tail_cont = turn, "", [], False
        self._answer_at, self._tail_at = (turn, len(self.blocks), len(self._lines)), 0

    # marking an ended answer (grounding glyphs): the screen's part of answer_marks.py
    replace_answer = answer_marks.replace_answer
    _restyle_pending = answer_marks.restyle_pending
    _flush_pending = answer_marks.flush_pending
    _rerender_answer = answer_marks.rerender_answer

    def append(self, fragment: str) -> None:
        """Queue answer text; the screen is updated at most 30 times a second."""
        self._tail += fragment
        if self._timer is None:
            delay = max(0.002, self._last_flush + FRAME_S - time.monotonic())
            self._timer = self.set_timer(delay, self.flush)

    def flush(self, final: bool = False) -> None:
        self._timer = None
        self._last_flush = time.monotonic()
        self.flushes += 1
        before = len(self._lines) + len(self._tail_lines)
        starts = block_starts(self._tail)
        cut = len(starts) if final else len(starts) - 1
        if cut > 0:
            lines = self._tail.split("\n")
            bounds = starts[: cut + 1] + ([len(lines)] if final else [])
            base = self._tail_at
            for start, end in zip(bounds, bounds[1:], strict=False):
                src = "\n".join(lines[start:end]).strip("\n")
                if src:
                    known = base is not None and not self._tail_cont
                    self._append_block(Block("md", src, self._turn or 0,
                                             trim_top=self._tail_cont, marked=self._marking,
                                             first=base + start if known else -1,
                                             end=base + end if known else -1))
                    self._tail_cont = False
            self._tail = "" if final else "\n".join(lines[starts[cut]:])
            if base is not None and not final:
                self._tail_at = base + starts[cut]
            now = time.monotonic()
            if now - self._last_gc > 2:
                _collect_then_freeze()
                self._last_gc = now
        if final:
            self.set_timer(0.3, _collect_then_freeze)  # after the final frame is shown
        while not final and (chunk := split_open_fence(self._tail)):
            self._append_block(Block("md", chunk[0], self._turn or 0, trim_top=self._tail_cont,
                                     trim_bottom=True))
            self._tail, self._tail_cont, cut, self._tail_at = chunk[1], True, 1, None
        self._tail_lines = self._render_tail()
        if len(self._lines) + len(self._tail_lines) != before or cut > 0:
            self.refresh(layout=True)
        else:
            self.refresh(Region(0, len(self._lines), self._width, len(self._tail_lines)))

    def end_answer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.flush(final=True)
        self._turn = None

    def clear(self) -> None:
        self._pending = []
        self.blocks, self._lines, self._owner, self._tail, self._tail_lines = [], [], [], "", []
        self.refresh(layout=True)

    @property
    def line_count(self) -> int:
        return len(self._lines) + len(self._tail_lines)

    def text_lines(self) -> list[str]:
        return [s.text for s in self._lines + self._tail_lines]

    def on_click(self, event: Click) -> None:
        if self.text_selection is not None:
            return  # the end of a drag that selected text, not a click on a turn
        offset = event.get_content_offset(self)
        if offset is None or not 0 <= offset.y < self.line_count:
            return
        frozen = len(self._lines)
        y = offset.y
        strip = self._lines[y] if y < frozen else self._tail_lines[y - frozen]
        turn = self._owner[y] if y < frozen else (self._turn or 0)
        for match in CITE.finditer(strip.text):
            if match.start() <= offset.x < match.end():
                self.post_message(MarkdownLog.CitationClicked(turn, int(match.group(1))))
                return
        if turn:
            self.post_message(MarkdownLog.TurnClicked(turn))


def _wraps(block: Block, renderable) -> bool:
    """Are the block's lines after its first one wraps of the same text (a paragraph, a
    heading, a one-line question or note), so copying joins them with a space?"""
    if block.kind != "md":
        return "\n" not in block.source
    parsed = renderable.parsed
    return bool(parsed) and parsed[0].type in ("paragraph_open", "heading_open")


def _collect_then_freeze() -> None:
    """Cached strips are long-lived: freezing them keeps Python's full GC passes cheap (they
    made p95 latency grow with history). Collecting first frees the cyclic garbage of the
    last seconds, which would otherwise be frozen for good; frozen objects are not scanned,
    so this costs what the new objects cost, not the history."""
    gc.collect()
    gc.freeze()
