"""Sources pane fed before the answer, [n] links, the source viewer, and saved chats."""

from __future__ import annotations

import json

from neuro_tui import sessions
from neuro_tui.app import messages as m
from tests.tui.conftest import ANSWER, answered, fixed_retriever, wait_for


async def ask(pilot, app, text="capital of France?", turn=1):
    await wait_for(pilot, lambda: app.conversation.ready)
    await pilot.press(*text, "enter")
    await answered(pilot, app, turn)


async def test_sources_arrive_before_the_answer_and_citation_selects(make_app, recorder, fake):
    fake([ANSWER + "\n\n{echo}"])
    app = make_app(retriever=fixed_retriever, storage="/tmp/idx")
    async with app.run_test(size=(120, 36), message_hook=recorder) as pilot:
        await ask(pilot, app)
        kinds = [type(x) for x in recorder if isinstance(x, (m.SourcesRetrieved,
                                                             m.AnswerStreamed))]
        assert kinds[0] is m.SourcesRetrieved
        assert "You said: Sources:" in app.answers[1], "the model got the prompt with sources"
        pane = app.query_one("#sources")
        assert pane.option_count == 2
        # find the [2] marker on screen and click it
        log = app.query_one("MarkdownLog")
        y, line = next((i, t) for i, t in enumerate(log.text_lines()) if "[2]" in t)
        x = line.index("[2]") + 1
        await pilot.click("MarkdownLog", offset=(x + 1, y))  # +1: the log's left padding
        await pilot.pause(0.1)
        clicked = recorder.of(m.CitationClicked)
        assert clicked and clicked[0].number == 2 and clicked[0].turn == 1
        assert pane.highlighted == 1
        assert recorder.of(m.SourceSelected)[0].source.title == "Seine river"


async def test_source_list_keys_and_viewer(make_app):
    app = make_app(retriever=fixed_retriever, storage="/tmp/idx")
    async with app.run_test(size=(120, 36)) as pilot:
        await ask(pilot, app, "capital of France")
        pane = app.query_one("#sources")
        pane.focus()
        await pilot.press("j")
        assert pane.highlighted == 1
        await pilot.press("k", "enter")
        await pilot.pause(0.1)
        viewer = app.screen
        assert type(viewer).__name__ == "SourceViewer"
        passage = viewer.passage
        assert "Paris is the capital of France." in passage.plain
        assert any("reverse" in str(span.style) for span in passage.spans), "terms highlighted"
        await pilot.press("escape")
        assert type(app.screen).__name__ != "SourceViewer"


async def test_source_titles_with_markup_are_literal(make_app):
    app = make_app(retriever=fixed_retriever, storage="/tmp/idx")
    async with app.run_test(size=(120, 36)) as pilot:
        await ask(pilot, app)
        prompt = app.query_one("#sources").get_option_at_index(0).prompt
        assert "France [bold red]facts" in str(prompt)


async def test_every_message_is_saved_and_resume_restores(make_app):
    app = make_app(retriever=fixed_retriever, storage="/tmp/idx")
    async with app.run_test(size=(120, 36)) as pilot:
        await ask(pilot, app)
        files = list(sessions.list_sessions())
        assert len(files) == 1
        records = [json.loads(x) for x in files[0].path.read_text().splitlines()]
        assert [r["type"] for r in records][:3] == ["meta", "rename", "user"]
        assert records[-1]["type"] == "end" and records[-1]["stop_reason"] == "eos"
    info = sessions.list_sessions()[0]
    assert [x.role for x in info.messages] == ["user", "assistant"]
    assert info.messages[1].content.strip() == ANSWER.strip()
    assert info.messages[1].sources[1]["location"] == "https://example.org/seine"
    assert info.model == "SmolLM2-135M-Instruct.Q4_1"
    md = sessions.export_markdown(info)
    assert "France [^2-1]." in md and "[^2-2]: Seine river https://example.org/seine" in md

    again = make_app(resume=info.id)
    async with again.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: again.conversation.ready)
        text = "\n".join(again.query_one("MarkdownLog").text_lines())
        assert "› capital of France?" in text and "Paris is the capital" in text
        prompt = again.conversation.effective_config().system_prompt
        assert "Earlier in this conversation" in prompt and "capital of France?" in prompt
        assert "Earlier" not in again.config.system_prompt
        await pilot.press(*"and Lyon?", "enter")
        await answered(pilot, again, 2)
    assert len(sessions.find(info.id).messages) == 4


async def test_sessions_screen_resumes_a_chat_in_place(make_app, fake):
    fake(["Rome."])
    first = make_app()
    async with first.run_test(size=(100, 30)) as pilot:
        await ask(pilot, first, "capital of Italy?")
    fake(["Berlin."])
    app = make_app()
    made = app.configs_made
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.conversation.ready)
        await pilot.press("f5")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(made) == 2 and app.conversation.ready)
        text = "\n".join(app.query_one("MarkdownLog").text_lines())
        assert "› capital of Italy?" in text and "Rome." in text
        assert "capital of Italy?" in made[1].system_prompt
        await pilot.press(*"and Germany?", "enter")
        await answered(pilot, app, 2)
    [info] = sessions.list_sessions()
    assert [m.content.strip() for m in info.messages] == [
        "capital of Italy?", "Rome.", "and Germany?", "Berlin."]


async def test_sources_reachable_by_keyboard_alone(make_app, fake):
    """Over SSH without a mouse: Tab moves focus to the sources pane, Enter opens one."""
    fake([ANSWER])
    app = make_app(retriever=fixed_retriever, storage="/tmp/idx")
    async with app.run_test(size=(120, 36)) as pilot:
        await ask(pilot, app)
        seen = []
        for _ in range(4):
            await pilot.press("tab")
            seen.append(type(app.focused).__name__)
            if app.focused is app.query_one("#sources"):
                break
        assert app.focused is app.query_one("#sources"), seen
        await pilot.press("j", "enter")
        await pilot.pause(0.2)
        assert type(app.screen).__name__ == "SourceViewer"
