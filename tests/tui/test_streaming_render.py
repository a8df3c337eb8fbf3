"""The streamed transcript shows what a one-shot Markdown render of the answer shows."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown

from neuro_tui.app.markdown_blocks import split_open_fence
from tests.tui.conftest import answered, ready

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from stream_text import markdown_text  # noqa: E402

FENCE = "Intro.\n\n```python\n" + "\n".join(f"x{i} = {i}" for i in range(120)) + "\n```\n\nEnd."


def one_shot(text: str, width: int) -> list[str]:
    console = Console(width=width, color_system=None)
    lines = console.render_lines(Markdown(text, code_theme="monokai"), console.options)
    return [t for t in ("".join(s.text for s in line).rstrip() for line in lines) if t.strip()]


async def streamed(make_app, fake, text: str, monkeypatch) -> tuple[list[str], int]:
    """What streaming drew: grounding marks (which re-render a cited answer once it ended,
    tests/tui/test_grounding_marks.py) are off here."""
    from neuro_tui.app import grounding_marks

    monkeypatch.setattr(grounding_marks, "ground_turn", lambda turn: None)
    fake([text], token_delay=0)
    app = make_app()
    async with app.run_test(size=(90, 30)) as pilot:
        await ready(pilot, app)
        await pilot.press("q", "enter")
        await answered(pilot, app, timeout=30)
        log = app.chat.query_one("MarkdownLog")
        lines = [t.rstrip() for t in log.text_lines()]
        return lines, log.content_size.width


def content(lines: list[str]) -> list[str]:
    body = [t for t in lines if t.strip()]
    return body[1:-1]  # drop "› q" and the stats note


async def test_long_fence_streams_in_chunks_without_seams(make_app, fake, monkeypatch):
    lines, width = await streamed(make_app, fake, FENCE, monkeypatch)
    code = [t.strip() for t in lines if t.strip().startswith("x")]
    assert code == [f"x{i} = {i}" for i in range(120)]
    first, last = lines.index(next(t for t in lines if t.strip() == "x0 = 0")), None
    last = lines.index(next(t for t in lines if t.strip() == "x119 = 119"))
    assert last - first == 119, "no padding or gap lines between fence chunks"
    assert content(lines) == one_shot(FENCE, width)


async def test_mixed_markdown_matches_one_shot_render(make_app, fake, monkeypatch):
    text = markdown_text(600, seed=3)
    lines, width = await streamed(make_app, fake, text, monkeypatch)
    assert content(lines) == one_shot(text, width)


def test_split_open_fence():
    assert split_open_fence("```\n" + "a\n" * 10, chunk=24) is None
    closed = "```\n" + "a\n" * 60 + "```\n"
    assert split_open_fence(closed, chunk=24) is None
    frozen, rest = split_open_fence("~~~~ py\n" + "\n".join(map(str, range(60))), chunk=24)
    assert frozen.splitlines()[0] == "~~~~ py" and frozen.splitlines()[-1] == "~~~~"
    assert frozen.splitlines()[1:-1] == [str(i) for i in range(24)]
    assert rest.splitlines() == ["~~~~ py", *map(str, range(24, 60))]


async def test_resize_rewraps_the_transcript(make_app, fake):
    fake(["word " * 60])
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot, app)
        await pilot.press("q", "enter")
        await answered(pilot, app)
        log = app.chat.query_one("MarkdownLog")
        wide = len(log.text_lines())
        await pilot.resize_terminal(60, 30)
        await pilot.pause(0.2)
        narrow = log.text_lines()
        assert len(narrow) > wide
        assert all(len(line.rstrip()) <= log.content_size.width for line in narrow)


def test_block_markdown_sets_what_rich_markdown_sets():
    """BlockMarkdown skips rich's per-instance parser; if rich's __init__ gains a field,
    this fails rather than the chat rendering without it."""
    from neuro_tui.app.markdown_blocks import BlockMarkdown

    ours, theirs = BlockMarkdown("a **b** [1]"), Markdown("a **b** [1]", hyperlinks=False)
    assert vars(ours).keys() == vars(theirs).keys()
    assert {k: v for k, v in vars(ours).items() if k != "parsed"} == \
        {k: v for k, v in vars(theirs).items() if k != "parsed"}
    assert [t.as_dict() for t in ours.parsed] == [t.as_dict() for t in theirs.parsed]
