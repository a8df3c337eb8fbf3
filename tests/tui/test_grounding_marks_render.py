"""Marking an ended answer renders again only the blocks the glyphs change (the rest keep
their strips), and what it shows equals rendering the whole marked answer again."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

from neuro_tui.app.grounding_marks import marked_answer
from neuro_tui.app.markdown_log import MarkdownLog
from neuro_tui.retrieval.grounding import ground

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from stream_text import markdown_text  # noqa: E402

FENCE = "Intro [1].\n\n```\n" + "\n".join(f"x{i}" for i in range(80)) + "\n```\n\nEnd [1]."


class LogApp(App):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield MarkdownLog()


async def shown(text: str, whole: bool) -> tuple[list, tuple[int, bool]]:
    """Strips after streaming `text` in 7-char fragments and marking it (`whole`: by the
    render-everything path), how many blocks were rendered while marking, and whether a
    fence was cut in chunks."""
    marked = marked_answer(text, ground(text, {1: ["Intro words."]}))
    assert marked != text
    async with LogApp().run_test(size=(80, 30)) as pilot:
        log = pilot.app.query_one(MarkdownLog)
        log.begin_answer(1)
        for i in range(0, len(text), 7):
            log.append(text[i:i + 7])
            if i % 70 == 0:  # a frame: blocks freeze, a long open fence is cut in chunks
                log.flush()
        log.end_answer()
        chunked = any(block.trim_bottom for block in log.blocks)
        await pilot.pause(0.1)  # laid out: the scrollbar took its column (a re-wrap)
        rendered = []
        real = log._render_block
        log._render_block = lambda block: rendered.append(block) or real(block)
        if whole:
            log._rerender_answer(log._answer_at, marked)
        else:
            assert log.replace_answer(1, marked)
        deadline = time.monotonic() + 30  # the marked blocks left for later frames: one a
        while log._pending and time.monotonic() < deadline:  # frame in the later-frames
            await pilot.pause(0.02)  # test, ~95 frames: 2 s was too short on a busy CI
        assert not log._pending
        return [list(s) for s in log._lines], (len(rendered), chunked)


async def test_only_changed_blocks_are_rendered_and_the_result_is_the_same():
    text = markdown_text(2000, seed=5)
    fast, (rendered, _) = await shown(text, whole=False)
    slow, _ = await shown(text, whole=True)
    assert fast == slow
    cited = sum(1 for block in text.split("\n\n") if "]." in block)
    assert rendered == cited, "one render per block holding a marked [n], no more"
    assert any(seg.text == "!" and seg.style.reverse for line in fast for seg in line)


async def test_a_chunked_fence_falls_back_to_the_whole_answer():
    fast, (_, chunked) = await shown(FENCE, whole=False)
    slow, _ = await shown(FENCE, whole=True)
    assert chunked and fast == slow
    text = "\n".join("".join(seg.text for seg in line) for line in fast)
    assert "Intro [1]✓." in text and "End [1]?." in text and "x79" in text


async def test_marks_left_for_later_frames_land_in_the_right_lines(monkeypatch):
    from neuro_tui.app import answer_marks

    text = markdown_text(2000, seed=5)
    slow, _ = await shown(text, whole=True)
    for name in ("NOW_S", "LATER_S", "FRAME_S"):  # one block per frame
        monkeypatch.setattr(answer_marks, name, 1e-6)
    fast, (rendered, _) = await shown(text, whole=False)
    assert fast == slow and rendered > 1
