"""Grounding marks (#14) in the TUI: after an answer ends, each [n] gets its mark beside it
(supported / weak / not found, [n] past the sources flagged), the sources pane gives each
source its verdict and dims those never cited, and Ctrl+L lists the matched words."""

from __future__ import annotations

from neuro_tui.app.grounding_screen import GroundingScreen
from neuro_tui.app.source_viewer import SourceViewer
from neuro_tui.chat.events import Source
from tests.tui.conftest import answered, log_text, ready, sample_sources, wait_for

ANSWER = ("Paris is the capital of France [1]. It sits on the Seine [2]. "
          "Its bakeries open at dawn [1]. Rome is older [7].")


def three_sources(question, config, web):
    extra = Source(3, "Lyon [i]notes", "docs/lyon.md:3", "local", 0.2, "Lyon has silk.")
    return f"Sources:\n[1] ...\n\nQuestion: {question}", [*sample_sources(), extra], []


async def test_marks_beside_citations_in_pane_and_detail(make_app, fake):
    fake([ANSWER])
    app = make_app(retriever=three_sources, storage="/tmp/idx")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press(*"capital?", "enter")
        await answered(pilot, app)
        text = log_text(app)
        assert "France [1]✓." in text
        assert "Seine [2]≈." in text
        assert "dawn [1]?." in text
        assert "older [7]!." in text
        assert ("citations: 1 supported, 1 weak, 1 not found, [7] not a source · Ctrl+L "
                "details") in " ".join(text.split())
        assert app.chat.service.transcript.at(1).answer == ANSWER  # the model's text as it was
        pane = app.chat.query_one("#sources")
        labels = [pane.get_option_at_index(i).prompt for i in range(pane.option_count)]
        assert "✓ supported, cited 2× (1✓ 1?)" in labels[0].plain
        assert "≈ weak, cited 1×" in labels[1].plain
        assert "not cited" in labels[2].plain and labels[2].style == "dim"
        assert "Lyon [i]notes" in labels[2].plain  # a title is text, never markup

        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, GroundingScreen))
        marks = app.screen.query_one("#marks")
        rows = [marks.get_option_at_index(i).prompt.plain for i in range(marks.option_count)]
        assert rows[0].startswith("✓ [1] supported")
        assert "matched: paris, capital, france" in rows[0]
        assert "not in the source: bakeries, open, dawn" in rows[2]
        assert "[7] is not one of this answer's sources" in rows[3]
        await pilot.press("down", "enter")  # the Seine sentence -> source 2
        await wait_for(pilot, lambda: isinstance(app.screen, SourceViewer))
        assert app.screen.source.number == 2


async def test_an_answer_without_citations_dims_its_sources(make_app, fake):
    fake(["Paris is the capital of France."])  # what SmolLM2 writes: no [n] at all
    app = make_app(retriever=three_sources, storage="/tmp/idx")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press(*"capital?", "enter")
        await answered(pilot, app)
        assert "citations: none in this answer (its sources are dimmed)" in log_text(app)
        pane = app.chat.query_one("#sources")
        assert all(pane.get_option_at_index(i).prompt.style == "dim"
                   for i in range(pane.option_count))
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, GroundingScreen))
        marks = app.screen.query_one("#marks")  # uncited, but it matches source 1
        row = marks.get_option_at_index(0).prompt.plain
        assert row.startswith("- no [n]; closest source [1] (supported)")
        assert "matched: paris, capital, france" in row


async def test_deleted_source_file_is_said_and_its_indexed_text_shown(make_app, fake, tmp_path):
    kept = tmp_path / "notes.md"
    kept.write_text("Paris is the capital of France.\n")
    gone = tmp_path / "gone.md"

    def retriever(question, config, web):
        return question, [Source(1, "notes.md", f"{kept}:1", "local", 0.9,
                                 "Paris is the capital of France.", path=str(kept)),
                          Source(2, "gone.md", f"{gone}:4", "local", 0.8,
                                 "The Seine flows through Paris.", path=str(gone))], []

    fake(["It is on the Seine [2]."])
    app = make_app(retriever=retriever, storage="/tmp/idx")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press(*"river?", "enter")
        await answered(pilot, app)
        assert "Seine [2]" in log_text(app)  # the citation stays
        app.chat.query_one("#sources").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SourceViewer))
        assert not app.screen.query("#source-missing")  # notes.md still exists
        await pilot.press("escape", "2", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SourceViewer)
                       and app.screen.source.number == 2)
        line = str(app.screen.query_one("#source-missing").render())
        assert f"{gone} no longer exists (deleted or moved after indexing)" in line
        assert "Seine flows through Paris" in str(app.screen.query_one("#passage").render())
