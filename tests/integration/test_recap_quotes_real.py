"""A recap whose answers quote Markdown (`> text` at line starts) given to a restarted real
llama-cli (0.3.16, bitnet.cpp) as its system prompt. The old protocols show the system prompt
on the pty while loading and their ready marker is a bare `\\n> `: before the fix the parser
took a quote for the prompt (bitnet: ready after 14 ms, first answer empty; 0.3.16: the first
answer held recap text, the real one lost)."""

from __future__ import annotations

import pytest

from neuro_tui.engine.events import AnswerText, Exchange, Flavor, SessionState, TurnStats
from neuro_tui.engine.params import GenerationParams, SessionSpec
from neuro_tui.engine.session import LlamaSession

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

QUOTE = ("Here is the quote you asked for:\n"
         + "".join(f"> line {i} of the quote, to be or not to be\n" for i in range(60))
         + "> \n>\n> > nested\nDone.")


@pytest.fixture(params=["old", "bitnet"])
def spec(request, llama_cli_old, llama_cli_bitnet, smollm2, tiny_i2s, tmp_path):
    binary, flavor, model = ((llama_cli_old, Flavor.UPSTREAM_CNV, smollm2)
                             if request.param == "old"
                             else (llama_cli_bitnet, Flavor.BITNET, tiny_i2s))
    params = GenerationParams(ctx_size=4096, threads=1, max_tokens=12, seed=3)
    return SessionSpec(binary, flavor, model, params, log_dir=tmp_path)


async def test_a_recap_with_markdown_quotes_is_not_taken_for_the_prompt(spec):
    s = LlamaSession(spec)
    s.history = [Exchange("Quote Hamlet for me", QUOTE)]
    await s.restart()  # the recap of s.history in its system prompt
    try:
        assert s.state is SessionState.READY
        for question in ("Say hi.", "Name a colour."):
            events = [e async for e in s.ask(question)]
            answer = "".join(e.text for e in events if isinstance(e, AnswerText))
            assert isinstance(events[-1], TurnStats) and events[-1].stop_reason != "error"
            assert answer.strip(), "the answer was lost"
            assert "of the quote" not in answer and question not in answer  # no echo/recap
    finally:
        await s.close()
