"""Exact context counts (#16: "the context figure is the model's real count where the engine
reports it") on the real runtimes with SmolLM2: llama-cli 0.3.16 counted with the
llama-tokenize beside it, the 0.3.36 chat CLI's own count from its log, bitnet.cpp estimated.
The reference is llama-cli itself: its perf lines at exit (prompt + eval tokens = what its
context holds when nothing was shifted out)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from neuro_tui.app.timing_overlay import timing_text
from neuro_tui.chat.service import ChatService
from neuro_tui.engine.events import Flavor, TurnStats
from neuro_tui.engine.loglines import Perf, classify_line, context_tokens
from neuro_tui.engine.params import GenerationParams, SessionSpec
from neuro_tui.engine.session import LlamaSession
from neuro_tui.engine.timing import estimate_tokens
from neuro_tui.launch import build_session_spec
from tests.chat.conftest import collect, make_config

pytestmark = [pytest.mark.integration, pytest.mark.timeout(400)]

REPO = Path(__file__).resolve().parents[2]


def code(name: str, size: int = 660) -> str:
    """Code only (no comments or docstrings) from one of our modules: ~30 % more tokens
    than the 4-chars estimate on SmolLM2."""
    lines = (REPO / "neuro_tui" / "engine" / name).read_text().splitlines()
    kept = [line for line in lines if re.search(r"[=(\[]", line) and '"""' not in line
            and not line.strip().startswith(("#", '"', "'"))]
    return "\n".join(kept)[:size]


CODE = [code(name) for name in ("markers.py", "ptyproc.py", "args.py", "turn.py",
                                "protocol.py")]


def perf_counts(log: Path) -> dict[str, int]:
    """Token counts from llama-cli's perf lines (printed at exit), by kind."""
    found = {}
    for line in log.read_text(errors="replace").splitlines():
        event = classify_line(line)
        if isinstance(event, Perf) and event.count is not None:
            found[event.kind] = event.count
    return found


def perf_total(log: Path) -> int:
    """prompt + eval tokens: what llama-cli's context holds at exit."""
    found = perf_counts(log)
    return found["prompt"] + found["eval"]


def session(binary, flavor, model, tmp_path, ctx=2048, max_tokens=48) -> LlamaSession:
    params = GenerationParams(ctx_size=ctx, threads=1, max_tokens=max_tokens, seed=7)
    return LlamaSession(SessionSpec(binary, flavor, model, params, log_dir=tmp_path))


async def ask(s: LlamaSession, text: str) -> TurnStats:
    events = [e async for e in s.ask(text)]
    return events[-1]


@pytest.mark.parametrize("max_tokens", [0, 48])  # ended by the model / cut by our Ctrl+C
async def test_code_turns_count_what_llama_cli_holds(max_tokens, llama_cli_old, smollm2,
                                                     tmp_path):
    s = session(llama_cli_old, Flavor.UPSTREAM_CNV, smollm2, tmp_path, max_tokens=max_tokens)
    await s.start()
    estimates = 0
    for snippet in CODE[:2]:
        question = f"What does this Python code do?\n{snippet}"
        stats = await ask(s, question)
        estimates += estimate_tokens(question)
        assert s.stats.ctx_exact and stats.ctx_used == s.stats.ctx_used
    used = s.stats.ctx_used
    await s.close()
    real = perf_total(s.log_path)
    # llama-cli's count at exit lacks only the last answer's end token (and, after our
    # Ctrl+C, the last sampled token): what goes in before the next message is read
    assert 0 <= used - real <= 2, (used, real)
    assert real - estimates > 0.2 * estimates  # the estimate was far off on code


async def test_new_chat_cli_context_is_its_own_count(llama_cli_new, smollm2, tmp_path):
    s = session(llama_cli_new, Flavor.UPSTREAM_CHAT, smollm2, tmp_path)
    await s.start()
    assert not s.stats.ctx_exact  # the system prompt is estimated (no llama-tokenize)
    for snippet in CODE[:2]:
        await ask(s, f"What does this Python code do?\n{snippet}")
    log = s.log_path.read_text(errors="replace").splitlines()
    await s.close()
    assert s.stats.ctx_exact and s.stats.ctx_used == context_tokens(log)


async def test_bitnet_context_stays_an_estimate(llama_cli_bitnet, tiny_i2s, tmp_path):
    s = session(llama_cli_bitnet, Flavor.BITNET, tiny_i2s, tmp_path, max_tokens=8)
    await s.start()
    await ask(s, "Hello there")
    await s.close()
    assert not s.stats.ctx_exact and s.stats.ctx_used > 0


class PoliteSpy(LlamaSession):
    """The real session; before each restart it ends llama-cli with EOF, so the old process
    prints its perf lines (the spy's only change: the policy already decided)."""

    logs: list[Path]

    async def restart(self, recap=None):
        if self.log_path is not None:  # started before
            self.logs.append(self.log_path)
            await self.close()
        await super().restart(recap)


async def test_policy_restarts_a_code_chat_before_llama_cli_shifts(llama_cli_old, smollm2,
                                                                   tmp_path):
    """ctx 512, code questions: with the estimate (-43 % on code) the 90 % restart came after
    llama-cli's real limit; with exact counts no process ever held more than 512 tokens."""
    config = make_config(cli=str(llama_cli_old), model=str(smollm2), seed=42, ctx_size=512,
                         max_tokens=40, context_policy="truncate-middle")
    logs: list[Path] = []
    sessions: list[PoliteSpy] = []

    def factory(c):
        spy = PoliteSpy(build_session_spec(c))
        spy.logs = logs
        sessions.append(spy)
        return spy
    service = ChatService(config, session_factory=factory)
    for snippet in CODE:  # ~165 estimated tokens each, ~215 real
        await collect(service.ask(f"Explain this code in one sentence:\n{snippet}"))
        stats = service.session.stats
        assert stats.ctx_exact and stats.ctx_used < 512
    logs.append(service.session.log_path)
    await service.close()
    assert len(set(logs)) >= 2, "the policy never restarted llama-cli"
    for log in set(logs):  # prompt + eval > 512 would mean tokens were shifted out
        assert perf_total(log) <= 512, (log, perf_total(log))


@pytest.mark.parametrize("question", ["Name three colours of the rainbow.",
                                      "Écris une phrase sur Paris, en français.",
                                      f"What does this Python code do?\n{CODE[2][:300]}"])
async def test_an_answer_token_count_is_exact_on_llama_cli(question, llama_cli_old, smollm2,
                                                           tmp_path):
    """The timing overlay's token count on 0.3.16 is the answer through the model's own
    tokenizer (not one pty read per token): llama-cli's perf line at exit agrees."""
    s = session(llama_cli_old, Flavor.UPSTREAM_CNV, smollm2, tmp_path, max_tokens=0)
    await s.start()
    stats = await ask(s, question)
    await s.close()
    assert stats.tokens_exact and stats.stop_reason == "eos"
    shown = timing_text(s.stats, "ready").plain  # the F2 overlay: nothing left estimated
    assert s.stats.prompt_exact and "~" not in shown, shown
    assert f"tokens  {stats.tokens}\n" in shown and f"prompt  {s.stats.prompt_tokens}\n" in shown
    assert stats.tokens == perf_counts(s.log_path)["eval"]
