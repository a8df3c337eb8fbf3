"""The context policy on an engine whose memory is the message list (the server engine).

On llama-cli the policy restarts the process with a recap before the context wraps
(policy.py). A server keeps no chat: every request carries the conversation. So there the
policy just chooses which earlier turns the next request carries — the system prompt, with
truncate-middle the first exchange, then the newest turns that fit — and nothing restarts.
On llama-server the sizes are the server's own counts (/tokenize, and the last turn's
exact prompt + answer tokens), so the limit is the real context, not 90 % of an estimate.
If the server still refuses the request as too long (llama-server started with
--no-context-shift, vLLM, OpenAI), the policy applies then: stop refuses the turn with the
choices, the others drop turns and send it again, once. Dropped turns stay in the
transcript and the file; TurnsDropped marks them, as on llama-cli.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from neuro_tui.chat import events as ev
from neuro_tui.chat import keep_turns
from neuro_tui.chat.policy import FULL, POLICIES, TARGET, ContextDecision
from neuro_tui.engine.events import Exchange, SessionError, TurnStats
from neuro_tui.engine.timing import TEMPLATE_TOKENS_PER_TURN, estimate_tokens

MESSAGE_TOKENS = TEMPLATE_TOKENS_PER_TURN  # role markers around each message


def applies(session) -> bool:
    return callable(getattr(session, "set_history", None))


@dataclass
class View:
    """Which transcript turns the session's message list holds, in order (numbers[i] is
    session.history[i]); `out`: turns not in it (dropped, or told in a resume recap)."""

    session: object = None
    numbers: list[int] = field(default_factory=list)
    out: set[int] = field(default_factory=set)
    sizes: dict[int, int] = field(default_factory=dict)  # exact tokens per sent turn
    system_size: dict[str, tuple[int, bool]] = field(default_factory=dict)
    changed: bool = False  # the list changed since the last turn's exact ctx_used
    last_save: dict | None = None  # the server's figures of the last state save
    save_failed: bool = False  # said once (chat/slot_resume.py)

    def align(self, service) -> None:
        """A new session (model change), or one whose history moved on its own (an engine
        restart with a recap): its list is then the newest len(history) turns, if any."""
        session = service.session
        held = getattr(session, "sent_history", session.history)
        if self.session is session and len(held) == len(self.numbers):
            return
        done = [t.number for t in keep_turns.recappable(service.transcript.finished_turns)]
        self.session, self.changed = session, True
        self.numbers = done[len(done) - len(held):] if held else []
        self.out = set(done) - set(self.numbers)


def view(service) -> View:
    current = getattr(service, "message_view", None)
    if current is None:
        current = service.message_view = View()
    return current


async def _size(session, exchange: Exchange) -> tuple[int, bool]:
    """(tokens, exact) of one earlier turn as sent: its user message and its answer."""
    counted = [await session.count_tokens(text) for text in (exchange.user, exchange.answer)]
    if all(isinstance(n, int) for n in counted):
        return sum(counted) + 2 * MESSAGE_TOKENS, True
    return estimate_tokens(exchange.user) + estimate_tokens(exchange.answer) \
        + 2 * MESSAGE_TOKENS, False


async def _system_size(session, v: View) -> tuple[int, bool]:
    if session.system not in v.system_size:
        n = await session.count_tokens(session.system)
        v.system_size[session.system] = (
            (n if isinstance(n, int) else estimate_tokens(session.system)) + MESSAGE_TOKENS,
            isinstance(n, int))
    return v.system_size[session.system]


async def _measure(service, v: View, prompt: str) -> tuple[int, int, bool]:
    """(tokens in the context before this turn, tokens this turn adds, exact)."""
    session = service.session
    new = await session.count_tokens(prompt)
    exact = isinstance(new, int)
    need = (new if exact else estimate_tokens(prompt)) + MESSAGE_TOKENS
    used = session.stats.ctx_used if not v.changed and exact else None
    total, ok = await _system_size(session, v)
    exact = exact and ok
    for number, exchange in zip(v.numbers, session.sent_history, strict=False):
        if number not in v.sizes:
            v.sizes[number], ok = await _size(session, exchange)
            exact = exact and ok
        total += v.sizes[number]
    return (used if used is not None else total), need, exact


def _reserve(policy, ctx: int) -> int:
    reserve = getattr(policy, "_reserve", None)
    return reserve(ctx) if reserve else ctx // 4


def full_line(used: int, ctx: int, need: int, exact: bool) -> str:
    about = "" if exact else "about "
    return (f"context full ({about}{used} of {ctx} tokens used, this turn needs {need} more): "
            "start a new chat, fork from an earlier turn (Ctrl+S, f), or switch the context "
            "policy (F10) to truncate-middle or rolling")


async def before_turn(service, turn, prompt: str, force: bool = False):
    """None: send as it is. A ContextDecision with a refusal (stop), or with the events of
    a shorter message list the session now holds (truncate-middle, rolling). `force`: the
    server said the request is too long, whatever the counts say."""
    session, policy = service.session, service.policy
    name = getattr(policy, "name", None)
    v = view(service)
    v.align(service)
    ctx = session.stats.ctx_size or int(getattr(service.config, "ctx_size", 0) or 0)
    if name not in POLICIES or not ctx:
        return None
    known = session.stats.ctx_used
    if not force and not v.changed and known is not None and (
            known + 2 * estimate_tokens(prompt) + _reserve(policy, ctx) < 0.8 * ctx):
        return None  # far from full: no need to ask the server to count
    used, need, exact = await _measure(service, v, prompt)
    need += _reserve(policy, ctx)
    if not force and used + need <= (ctx if exact else FULL * ctx):
        return None
    if name == "stop":
        line = full_line(used, ctx, need, exact)
        return ContextDecision(refusal=line, events=(
            ev.Notice(f"turn {turn.number} not sent: {line}", "warning", turn.number),))
    turns = {t.number: t for t in service.transcript.turns}
    sent = [turns[n] for n in v.numbers if n in turns]
    system = (await _system_size(session, v))[0]
    budget = int(TARGET * ctx) - system - need
    if force:  # the server counts more than we do: send at most half of what it refused
        budget = min(budget, sum(v.sizes.get(n, 0) for n in v.numbers) // 2)
    plan = keep_turns.plan(sent, budget,
                           keep_first=name == "truncate-middle",
                           measure=lambda t: v.sizes.get(t.number, 1 << 30))
    keep = [i for i, n in enumerate(v.numbers) if n in plan.verbatim]
    if len(keep) == len(v.numbers):
        return None  # nothing left to drop: send it; the server says if it cannot read it
    history = session.sent_history
    session.set_history([history[i] for i in keep], session.system)
    v.out |= set(v.numbers) - set(plan.verbatim)
    v.numbers, v.changed = [v.numbers[i] for i in keep], True
    dropped = tuple(sorted(v.out))
    text = (f"the context was full: the model now sees turns {keep_turns.spans(plan.verbatim)}"
            if plan.verbatim else "the context was full: the model now sees no earlier turn")
    text += f", not {keep_turns.spans(dropped)} ({name})"
    return ContextDecision(events=(
        ev.TurnsDropped(turn.number, dropped, (), plan.verbatim, name, "context"),
        ev.Notice(text, "info", turn.number)))


async def ask(service, turn, prompt: str):
    """session.ask(prompt), with the policy applied once more if the server says the
    request is too long; then the turn joins the list (and the state is saved)."""
    session, v = service.session, view(service)
    for attempt in (0, 1):
        before, refused, counted = len(session.history), None, False
        async for event in session.ask(prompt):
            if (isinstance(event, SessionError) and event.kind == "context"
                    and not event.partial and attempt == 0):
                refused = event
                continue
            counted = counted or (isinstance(event, TurnStats) and event.ctx_used is not None)
            yield event
        if refused is None:
            break
        decision = await before_turn(service, turn, prompt, force=True)
        if decision is None or decision.refusal:
            line = decision.refusal if decision is not None else refused.message
            yield SessionError(line, kind="context")
            return
        for event in decision.events:
            yield event
    if len(session.history) > before:
        v.numbers.append(turn.number)
        v.changed = not counted  # ctx_used is the server's count of exactly this list
        from neuro_tui.chat import slot_resume

        async for event in slot_resume.save(service):
            yield event
