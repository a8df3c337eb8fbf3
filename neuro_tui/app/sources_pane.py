"""Numbered sources of the selected answer; j/k to move, Enter to open, y to copy."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from neuro_tui.app.messages import SourceOpened, SourceSelected, SourceView
from neuro_tui.app.safe_text import clean


def source_label(src: SourceView) -> Text:
    t = Text()
    t.append(f"[{src.number}] ", style="bold")
    t.append("web " if src.kind == "web" else "local ",
             style="reverse bold" if src.kind == "web" else "reverse")
    t.append(clean(src.title) or "(untitled)")
    t.append(f"\n    {clean(src.location)}", style="dim")
    if src.score is not None:
        t.append(f"  {src.score:.2f}", style="dim")
    return t


class SourcesPane(OptionList):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("y", "copy_citation", "Copy citation"),
        Binding("o", "open_external", "Open"),
        Binding("[", "app.sources_step(-1)", "Prev answer"),
        Binding("]", "app.sources_step(1)", "Next answer"),
        *[Binding(str(n), f"select_number({n})", f"Source {n}", show=False) for n in range(1, 10)],
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sources: list[SourceView] = []
        self.border_title = "Sources"

    def show(self, sources: list[SourceView]) -> None:
        self.sources = list(sources)
        self.clear_options()
        self.add_options([Option(source_label(s), id=str(s.number)) for s in self.sources])
        self.border_subtitle = f"{len(self.sources)}" if self.sources else "none"
        if self.sources:
            self.highlighted = 0

    def select_number(self, number: int) -> SourceView | None:
        for index, src in enumerate(self.sources):
            if src.number == number:
                self.highlighted = index
                self.post_message(SourceSelected(src))
                return src
        return None

    def action_select_number(self, number: int) -> None:
        if self.select_number(number) is None:
            self.app.bell()

    @property
    def current(self) -> SourceView | None:
        if self.highlighted is None or not self.sources:
            return None
        return self.sources[self.highlighted]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.current is not None:
            self.post_message(SourceOpened(self.current))

    def action_copy_citation(self) -> None:
        if (src := self.current) is not None:
            self.app.copy_to_clipboard(f"[{src.number}] {clean(src.title)} {clean(src.location)}")
            self.app.notify("citation copied")

    def action_open_external(self) -> None:
        if (src := self.current) is not None:
            from neuro_tui.app.opener import open_location

            self.app.notify(open_location(src.location))
