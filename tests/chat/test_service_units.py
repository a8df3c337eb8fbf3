"""ChatService with a scripted in-process engine: the one cleaning point for engine text,
log tails and errors (issue #12 item 10), and the context refusal that restarts."""

from __future__ import annotations

from neuro_tui.chat import events as ev
from neuro_tui.chat.service import ChatService
from neuro_tui.engine.events import AnswerText, SessionError, TurnStats
from neuro_tui.engine.timing import LiveStats
from tests.chat.conftest import collect, make_config
from tests.hostile_text import CASES, escaped


class ScriptedSession:
    """Implements engine.base.ChatSession from a list of engine events per turn."""

    def __init__(self, turns):
        self.turns = list(turns)
        self.spec = None
        self.stats = LiveStats(ctx_size=4096)
        self.warnings: list[str] = []
        self.restarts: list[str | None] = []
        self.log_path = None

    async def start(self):
        self.stats.load_ms = 1.0

    async def restart(self, recap=None):
        self.restarts.append(recap)

    async def interrupt(self):
        pass

    async def close(self):
        pass

    async def ask(self, text):
        for event in self.turns.pop(0):
            yield event


def stats(reason="eos"):
    return TurnStats(1, None, None, 1, False, None, None, None, 4096, reason)


async def test_engine_text_is_cleaned_once_even_split_across_fragments():
    answer = "".join(text for _, text, _ in CASES)
    pieces = [AnswerText(answer[i:i + 3]) for i in range(0, len(answer), 3)]
    session = ScriptedSession([pieces + [stats()]])
    service = ChatService(make_config(), session_factory=lambda c: session)
    await collect(service.ask("q"))
    shown = service.transcript.at(1).answer
    assert shown == "".join(visible for _, _, visible in CASES)
    assert escaped(shown) == []


async def test_crash_log_tail_and_message_are_cleaned():
    crash = SessionError("died \x1b[31mbadly\x1b[0m", "crash",
                         log_tail=["\x1b[1mllama_model_load: \x1b]0;t\x07error\u202e"],
                         partial=True)
    session = ScriptedSession([[AnswerText("half"), crash]])
    service = ChatService(make_config(), session_factory=lambda c: session)
    events = await collect(service.ask("q"))
    failed = next(e for e in events if isinstance(e, ev.EngineFailed))
    assert failed.message == "died badly" and failed.log_tail == ("llama_model_load: error",)
    assert service.transcript.at(1).partial and service.state == "failed"


async def test_context_refusal_restarts_with_a_recap_and_the_next_turn_works():
    refusal = SessionError("Error: request (5000 tokens) exceeds the available context size",
                           "context")
    session = ScriptedSession([[AnswerText("a1"), stats()], [refusal, stats()],
                               [AnswerText("a3"), stats()]])
    service = ChatService(make_config(), session_factory=lambda c: session)
    await collect(service.ask("one"))
    events = await collect(service.ask("two"))
    assert any(isinstance(e, ev.Notice) and "restarted with a recap" in e.text for e in events)
    assert session.restarts and "one" in session.restarts[0]
    await collect(service.ask("three"))
    t = service.transcript
    assert t.at(2).status.value == "failed" and t.at(3).answer == "a3"


async def test_events_and_transcript_agree():
    session = ScriptedSession([[AnswerText("x"), stats()]])
    service = ChatService(make_config(), session_factory=lambda c: session)
    events = await collect(service.ask("q"))
    from neuro_tui.chat.transcript import Transcript

    replayed = Transcript()
    for event in events:
        replayed = replayed.apply(event)
    assert replayed.turns == service.transcript.turns


def test_every_transcript_snapshot_keeps_its_own_answer():
    """Deltas share the answer's text between Turn versions (chat/answer_text.py): an old
    snapshot, and one that grows differently from it, still read what they had."""
    from dataclasses import replace

    from neuro_tui.chat.transcript import Transcript, Turn

    start = Transcript().apply(ev.TurnQueued(1, "q")).apply(ev.TurnQueued(2, "later"))
    start = start.apply(ev.AnswerDelta(1, "Paris"))
    a = start.apply(ev.AnswerDelta(1, " is"))
    b = a.apply(ev.AnswerDelta(1, " big."))
    fork = a.apply(ev.AnswerDelta(1, " old."))  # an older version grown another way
    assert [s.at(1).answer for s in (start, a, b, fork)] == [
        "Paris", "Paris is", "Paris is big.", "Paris is old."]
    assert b.at(1) == Turn(1, "q", "Paris is big.", status=ev.TurnStatus.GENERATING)
    assert b.at(2) == Turn(2, "later") and b.at(1).answer + "!" == "Paris is big.!"
    assert replace(b.at(1), status=ev.TurnStatus.DONE).answer == "Paris is big."
    ended = b.apply(ev.TurnEnded(1, ev.TurnStatus.DONE, "eos"))
    assert ended.at(1).answer == "Paris is big." and b.at(1).status is ev.TurnStatus.GENERATING


def test_a_delta_copies_neither_the_answer_nor_its_earlier_text():
    """`answer + text` per delta was quadratic (bench/bench_chat_service.py times 10k
    fragments at the start and the end of a long answer); now the versions of a streaming
    answer share one buffer that the newest appends to."""
    from neuro_tui.chat.transcript import Transcript

    transcript = Transcript().apply(ev.TurnQueued(1, "q")).apply(ev.AnswerDelta(1, "a"))
    first = transcript.at(1).__dict__["_answer"][0]
    for i in range(1000):
        transcript = transcript.apply(ev.AnswerDelta(1, f" tok{i}"))
        assert transcript.at(1).__dict__["_answer"][0] is first
    assert first._parts and not first._joined.endswith("tok999")  # nothing joined yet
    assert transcript.at(1).answer.endswith(" tok998 tok999")
