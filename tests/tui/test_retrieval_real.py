"""The sources pane fed by the real local index (Tantivy), before the answer streams."""

from __future__ import annotations

from neuro_tui.app import messages as m
from neuro_tui.retrieval.indexer import index_paths
from tests.tui.conftest import wait_for
from tests.tui.stand_in import StandInSession


async def test_local_index_sources_reach_pane_and_prompt(make_app, recorder, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "france.md").write_text("# France\n\nIntro line.\n\nParis is the capital of "
                                    "France and its largest city.\n")
    (docs / "rivers.md").write_text("# Rivers\n\nThe Loire is the longest river in France.\n")
    storage = tmp_path / "index"
    index_paths(storage, [docs], recursive=True)
    session = StandInSession(["Paris [1]."])
    app = make_app(session, storage=str(storage))
    async with app.run_test(size=(120, 36), message_hook=recorder) as pilot:
        await wait_for(pilot, lambda: app.conversation.ready)
        await pilot.press(*"capital of France", "enter")
        await wait_for(pilot, lambda: recorder.of(m.AnswerFinished))
        [retrieved] = recorder.of(m.SourcesRetrieved)
        first = retrieved.sources[0]
        assert first.kind == "local" and first.location.endswith("france.md:1")
        assert "Paris is the capital" in first.text
        assert "[1] France" in session.asked[0] and session.asked[0].endswith(
            "Question: capital of France")
        assert app.query_one("#sources").option_count == len(retrieved.sources)


async def test_web_toggle_shows_indicator_and_unavailable_web_is_reported(make_app, recorder):
    session = StandInSession(["No sources, sorry."])
    app = make_app(session)
    async with app.run_test(size=(120, 36), message_hook=recorder) as pilot:
        await wait_for(pilot, lambda: app.conversation.ready)
        await pilot.press("f8")
        app.refresh_panes()
        await pilot.pause(0.05)
        assert "WEB: queries leave this machine" in str(app.query_one("#status").render())
        await pilot.press(*"latest news", "enter")
        await wait_for(pilot, lambda: recorder.of(m.AnswerFinished))
        assert any("web search unavailable" in str(n.message)
                   for n in app._notifications)
        assert session.asked == ["latest news"]
