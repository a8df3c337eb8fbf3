"""A resumed chat shows the marks saved in its file of where turns left the model's view
(context policy, issue 16), each before the turn it was made for, and the selection screen
knows which turns are out of view (fake llama-cli, real chat file)."""

from __future__ import annotations

from neuro_tui.chat import events as ev
from neuro_tui.chat.store import ChatStore
from tests.tui.conftest import log_text, ready

MARK = ev.TurnsDropped(4, (2, 3), (), (1,), "truncate-middle", "context")


def saved_chat() -> str:
    store = ChatStore.create(model="SmolLM2-135M-Instruct.Q4_1")
    for n in range(1, 6):
        if n == 4:
            store.record(MARK)  # the policy restarted llama-cli before turn 4
        for event in (ev.TurnQueued(n, f"question {n}?"), ev.AnswerDelta(n, f"answer {n}."),
                      ev.TurnEnded(n, ev.TurnStatus.DONE, "eos")):
            store.record(event)
    store.close()
    return store.path.stem


async def test_a_resumed_chat_draws_its_saved_dropped_turn_mark_before_its_turn(make_app):
    app = make_app(resume=saved_chat())
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lines = log_text(app).splitlines()
        mark = [i for i, line in enumerate(lines)
                if "turns 2-3 are no longer in the model's view" in line]
        assert len(mark) == 1, lines
        drawn = " ".join(" ".join(lines[mark[0]:mark[0] + 2]).split())  # it wraps
        assert "(context full, policy truncate-middle) ──" in drawn
        q3 = next(i for i, line in enumerate(lines) if line.startswith("› question 3?"))
        q4 = next(i for i, line in enumerate(lines) if line.startswith("› question 4?"))
        assert q3 < mark[0] < q4  # after turn 3's answer, before turn 4's question
        assert "answer 3." in " ".join(lines[q3:mark[0]])
        assert app.screen.dropped == frozenset({2, 3})
