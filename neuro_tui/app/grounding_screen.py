"""The grounding marks of one answer, listed (Ctrl+L): each cited sentence with its mark,
the words that matched source n and those that did not; Enter opens that source."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from neuro_tui.app.grounding_marks import GLYPH, LIMITS, STYLE, WORDS, citation_detail
from neuro_tui.chat.transcript import Turn
from neuro_tui.retrieval.grounding import Grounding


def rows(grounding: Grounding) -> list[tuple[Text, int | None]]:
    """(label, source number to open) per citation, in answer order; then the [n] that
    are not sources."""
    out: list[tuple[Text, int | None]] = []
    for sentence in grounding.sentences:
        for citation in sentence.citations:
            t = Text()
            t.append(f"{GLYPH[citation.verdict]} [{citation.number}] {WORDS[citation.verdict]}",
                     style=STYLE[citation.verdict])
            if citation.verdict != "no_source":
                t.append(f"  {citation.score:.0%} of its words", style="dim")
            t.append("\n  ")
            t.append(sentence.text)  # model text: Text, never markup
            t.append(f"\n  {citation_detail(citation, sentence.text)}", style="italic")
            known = citation.verdict != "no_source"
            out.append((t, citation.number if known else None))
    for sentence in grounding.unattributed:  # small models quote without citing
        if (best := sentence.suggested) is None:
            continue
        t = Text()
        t.append(f"- no [n]; closest source [{best.number}] ({WORDS[best.verdict]})",
                 style="italic")
        t.append("\n  ")
        t.append(sentence.text)
        t.append(f"\n  {citation_detail(best, sentence.text)}", style="italic")
        out.append((t, best.number))
    return out


class GroundingScreen(ModalScreen[int | None]):
    """Dismisses with the source number to open (Enter), or None."""

    DEFAULT_CSS = """
    GroundingScreen { align: center middle; }
    #marks-box { width: 90%; height: auto; max-height: 90%; border: round $primary;
        background: $surface; padding: 0 1; }
    #marks-box OptionList { height: auto; max-height: 24; border: none; }
    #marks-limits { color: $text-muted; margin: 1 0 0 0; }
    """
    BINDINGS = [Binding("escape,q", "dismiss(None)", "Close")]

    def __init__(self, turn: Turn, grounding: Grounding) -> None:
        super().__init__()
        self.turn, self.grounding = turn, grounding
        self.targets: list[int | None] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="marks-box") as box:
            box.border_title = Text(f"Citations of answer {self.turn.number}")
            listed = rows(self.grounding)
            self.targets = [number for _, number in listed]
            if listed:
                yield OptionList(*[Option(label) for label, _ in listed], id="marks")
            else:
                yield Static(Text("This answer cites no source with [n], and no sentence "
                                  "matches one."), id="marks-none")
            yield Static(Text(LIMITS), id="marks-limits")
        yield Footer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.targets[event.option_index])
