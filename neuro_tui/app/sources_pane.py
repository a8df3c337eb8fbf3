"""The numbered sources of the selected turn; j/k to move, Enter to open, y to copy.

Bound to the ChatScreen's transcript and selected turn: whatever selects a turn (a new
question, a clicked answer, `[`/`]`, a resumed chat) shows that turn's sources here.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from neuro_tui.app.grounding_marks import GLYPH, STYLE, WORDS
from neuro_tui.chat.events import Source
from neuro_tui.chat.transcript import Transcript


def source_label(src: Source, mark=None) -> Text:
    """Text only: titles and locations come from files and pages (cleaned by the core).
    `mark` (a grounding SourceMark) adds the answer's verdict; a source the answer never
    cited is dimmed."""
    uncited = mark is not None and mark.verdict == "uncited"
    t = Text(style="dim" if uncited else "")
    t.append(f"[{src.number}] ", style="bold")
    t.append("web " if src.origin == "web" else "local ",
             style="reverse bold" if src.origin == "web" else "reverse")
    t.append(src.title or "(untitled)")
    t.append(f"\n    {src.location}", style="dim")
    if src.score is not None:
        t.append(f"  {src.score:.2f}", style="dim")
    if mark is not None:
        glyph = f"{GLYPH[mark.verdict]} " if mark.verdict in GLYPH else ""
        t.append(f"\n    {glyph}{WORDS[mark.verdict]}", style=STYLE[mark.verdict])
        if mark.cited:
            counts = [(n, GLYPH[v]) for n, v in ((mark.supported, "supported"),
                      (mark.weak, "weak"), (mark.not_found, "not_found")) if n]
            mixed = f" ({' '.join(f'{n}{g}' for n, g in counts)})" if len(counts) > 1 else ""
            t.append(f", cited {mark.cited}×{mixed}", style="dim")
    return t


def empty_line(turn: int | None, storage: bool, web: bool) -> Text:
    """Why the pane is empty, and how to change that."""
    if turn is None:
        text = "Sources of the selected answer show here."
    else:
        text = f"No sources for turn {turn}."
    off = [] if storage else ["local index off (--storage DIR)"]
    off += [] if web else ["web off (F8)"]
    return Text("\n".join([text, *off]), style="dim italic")


class SourcesPane(OptionList):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("y", "copy_citation", "Copy citation"),
        Binding("o", "open_external", "Open"),
        Binding("[", "screen.sources_step(-1)", "Prev answer"),
        Binding("]", "screen.sources_step(1)", "Next answer"),
        *[Binding(str(n), f"select_number({n})", f"Source {n}", show=False) for n in range(1, 10)],
    ]

    @dataclass
    class SourceSelected(Message):
        source: Source

    transcript: reactive[Transcript] = reactive(Transcript, init=False)
    selected_turn: reactive[int | None] = reactive(None, init=False)
    web: reactive[bool] = reactive(False, init=False)
    marks: reactive[dict] = reactive(dict, init=False)  # turn -> grounding.Grounding

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sources: tuple[Source, ...] = ()
        self._shown: tuple | None = None
        self.border_title = "Sources"

    def on_mount(self) -> None:
        self._show()

    def watch_transcript(self) -> None:
        self._show()

    def watch_selected_turn(self) -> None:
        self._show()

    def watch_web(self) -> None:
        self._show()

    def watch_marks(self) -> None:
        self._show()

    def _show(self) -> None:
        turn = self.transcript.at(self.selected_turn) if self.selected_turn else None
        sources = turn.sources if turn is not None else ()
        grounding = self.marks.get(self.selected_turn)
        key = (self.selected_turn, sources, self.web, bool(self.app.config.storage), grounding)
        if key == self._shown:
            return  # unchanged: keep the cursor where the user put it
        self._shown, self.sources = key, sources
        self.clear_options()
        if sources:
            by_number = {m.number: m for m in grounding.sources} if grounding else {}
            self.add_options([Option(source_label(s, by_number.get(s.number)), id=str(s.number))
                              for s in sources])
            self.highlighted = 0
            self.border_title = f"Sources · {len(sources)} for turn {self.selected_turn}"
        else:
            self.add_option(Option(empty_line(self.selected_turn, key[3], self.web),
                                   disabled=True))
            self.border_title = "Sources" if self.selected_turn is None \
                else f"Sources · none for turn {self.selected_turn}"

    def select_number(self, number: int) -> Source | None:
        for index, src in enumerate(self.sources):
            if src.number == number:
                self.highlighted = index
                self.post_message(SourcesPane.SourceSelected(src))
                return src
        return None

    def action_select_number(self, number: int) -> None:
        if self.select_number(number) is None:
            self.app.bell()

    @property
    def current(self) -> Source | None:
        if self.highlighted is None or not self.sources:
            return None
        return self.sources[self.highlighted]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.current is not None:
            self.open_source(self.current)

    def open_source(self, source: Source) -> None:
        """The viewer, with the selected turn's question terms highlighted."""
        from neuro_tui.app.source_viewer import SourceViewer
        from neuro_tui.retrieval.query import highlight_terms

        turn = self.transcript.at(self.selected_turn or 0)
        self.app.push_screen(SourceViewer(source,
                                          highlight_terms(turn.question if turn else "")))

    def list_marks(self) -> None:
        """Ctrl+L: the grounding marks of the selected answer (else the last checked one);
        Enter on one opens the source it cites."""
        from neuro_tui.app.grounding_screen import GroundingScreen

        number = self.selected_turn if self.selected_turn in self.marks else max(
            self.marks, default=None)
        if number is None:
            self.app.notify("no finished answer with sources or citations to check")
            return
        self.screen.selected_turn = number  # the screen owns the selection; it binds ours
        turn = self.transcript.at(number)

        def chosen(source_number: int | None) -> None:
            if source_number is not None and (source := turn.source(source_number)):
                self.open_source(source)

        self.app.push_screen(GroundingScreen(turn, self.marks[number]), chosen)

    def action_copy_citation(self) -> None:
        if (src := self.current) is not None:
            self.app.copy_to_clipboard(f"[{src.number}] {src.title} {src.location}")
            self.app.notify("citation copied")

    def action_open_external(self) -> None:
        if (src := self.current) is not None:
            from neuro_tui.app.opener import open_location

            self.app.notify(open_location(src.path or src.location))
