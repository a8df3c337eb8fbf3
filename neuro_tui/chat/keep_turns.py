"""Which earlier turns a fresh engine is told, and the recap text that carries them.

Why one planner for both uses: a restart before the context wraps (policy truncate-middle
or rolling) and a resumed chat (recap sized by the prefill-time budget) ask the same
question — which turns fit in N tokens — and must answer it the same way, so that what the
chat pane marks as dropped is what the model was really not given. Estimates are ~4 bytes
per token (engine/timing.py); the plan keeps a margin for that.
"""

from __future__ import annotations

from dataclasses import dataclass

from neuro_tui.chat.transcript import Turn
from neuro_tui.engine.timing import TEMPLATE_TOKENS_PER_TURN, estimate_tokens

HEADER = "Earlier in this conversation (recap after a restart):"
FOOTER = "Continue the conversation from here."
SUMMARY_HEADER = "Earlier questions (answers left out):"
SUMMARY_CHARS = 80  # of a summarised question


@dataclass(frozen=True)
class KeepPlan:
    verbatim: tuple[int, ...] = ()  # turns given word for word
    summarised: tuple[int, ...] = ()  # turns given as their question only
    dropped: tuple[int, ...] = ()  # turns the model is not told at all
    recap: str = ""
    tokens: int = 0  # estimated size of the recap

    @property
    def complete(self) -> bool:
        return not self.summarised and not self.dropped


def block(turn: Turn) -> str:
    answer = turn.answer.strip() + (" [cut off]" if turn.partial else "")
    return f"User: {turn.question.strip()}\nAssistant: {answer}"


def summary(turn: Turn) -> str:
    first = " ".join(turn.question.split())
    return "- " + (first if len(first) <= SUMMARY_CHARS else first[:SUMMARY_CHARS - 1] + "…")


def cost(text: str) -> int:
    return estimate_tokens(text) + 1


def recappable(turns: tuple[Turn, ...] | list[Turn]) -> list[Turn]:
    """The finished turns a recap can carry (a failed turn without text has nothing)."""
    return [t for t in turns if t.finished and (t.answer or t.partial)]


def plan(turns, budget_tokens: int, keep_first: bool, summarise: bool = False,
         measure=None) -> KeepPlan:
    """The newest turns that fit `budget_tokens` (with `keep_first`, the first exchange
    before them: truncate-middle), then, with `summarise`, the questions of older ones.
    `measure(turn) -> tokens`: the turn's real size as it is sent (the server engine's
    message list, counted by the server); then no recap header is counted either."""
    turns = recappable(turns)
    if not turns:
        return KeepPlan()
    used = 0 if measure else cost(HEADER) + cost(FOOTER) + TEMPLATE_TOKENS_PER_TURN
    measure = measure or (lambda t: cost(block(t)))
    chosen: set[int] = set()
    first = turns[0] if keep_first and len(turns) > 1 else None
    newest = list(reversed(turns))  # the newest turn goes first, then the first exchange
    order = newest[:1] + ([first] if first else []) + [t for t in newest[1:] if t is not first]
    for turn in order:
        need = measure(turn)
        if used + need > budget_tokens:
            if turn is first:
                continue
            break  # newest first, contiguous: never skip a turn to fit an older one
        chosen.add(turn.number)
        used += need
    short: set[int] = set()
    if summarise:
        used += cost(SUMMARY_HEADER)
        for turn in reversed(turns):
            if turn.number in chosen:
                continue
            if used + cost(summary(turn)) > budget_tokens:
                break
            short.add(turn.number)
            used += cost(summary(turn))
    dropped = tuple(t.number for t in turns if t.number not in chosen | short)
    return KeepPlan(tuple(t.number for t in turns if t.number in chosen),
                    tuple(t.number for t in turns if t.number in short), dropped,
                    render(turns, chosen, short), used)


def render(turns: list[Turn], chosen: set[int], short: set[int]) -> str:
    if not chosen and not short:
        return ""
    lines = [HEADER]
    if short:
        lines += [SUMMARY_HEADER] + [summary(t) for t in turns if t.number in short]
    gap = False
    for turn in turns:
        if turn.number in chosen:
            if gap:
                lines.append("(some turns are left out here)")
            lines.append(block(turn))
            gap = False
        elif turn.number not in short:
            gap = bool(lines[1:])
    return "\n".join(lines + [FOOTER])


def spans(numbers: tuple[int, ...]) -> str:
    """(1, 2, 3, 7) -> "1-3, 7": turn lists in one short line."""
    out: list[str] = []
    for n in numbers:
        if out and out[-1].split("-")[-1] == str(n - 1):
            out[-1] = out[-1].split("-")[0] + f"-{n}"
        else:
            out.append(str(n))
    return ", ".join(out)
