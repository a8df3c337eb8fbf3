"""Context policy: what to do before a turn when the conversation outgrows the context.

The hook is here so the long-conversation work has one place to fill; the default keeps
today's behaviour (llama-cli drops the oldest tokens itself, the ContextFilling event
warns at 80 %). What is refused outright (empty after cleaning, a message that cannot fit
at all) is `refusal`, which ChatService.submit applies for every flavor.
"""

from __future__ import annotations

from typing import Protocol

from neuro_tui.chat.events import MessageRefused
from neuro_tui.chat.transcript import Transcript, Turn
from neuro_tui.engine.timing import TEMPLATE_TOKENS_PER_TURN, estimate_tokens

MIN_ANSWER_TOKENS = 64  # a message must leave at least this much room for its answer


class ContextPolicy(Protocol):
    def before_turn(self, transcript: Transcript, turn: Turn, prompt: str,
                    ctx_used: int | None, ctx_size: int) -> str | None:
        """None to send `prompt` as it is, or a recap: the service then restarts the engine
        with it (a fresh context) before sending."""
        ...


class KeepContext:
    """The default: never restarts on its own."""

    def before_turn(self, transcript: Transcript, turn: Turn, prompt: str,
                    ctx_used: int | None, ctx_size: int) -> str | None:
        return None


def message_tokens(text: str, system_prompt: str) -> int:
    """Estimated context a message needs: its text, the system prompt, the template."""
    return estimate_tokens(text) + estimate_tokens(system_prompt) + 2 * TEMPLATE_TOKENS_PER_TURN


def fits(text: str, system_prompt: str, ctx_size: int) -> bool:
    return ctx_size <= 0 or message_tokens(text, system_prompt) + MIN_ANSWER_TOKENS <= ctx_size


def refusal(text: str, question: str, config, closed: bool = False) -> MessageRefused | None:
    """Why `text` (cleaned: `question`) cannot be sent at all, or None. Checked before
    anything reaches the engine, the same way for every flavor."""
    if closed:
        return MessageRefused("closed", "the chat is closed", text)
    if not question:
        why = ("message refused: nothing is left after removing control characters"
               if text.strip() else "message refused: it is empty")
        return MessageRefused("empty", why, text)
    ctx = int(getattr(config, "ctx_size", 0) or 0)
    system = str(getattr(config, "system_prompt", "") or "")
    if fits(question, system, ctx):
        return None
    tokens = message_tokens(question, system)
    return MessageRefused("too_long", (
        f"message refused: about {tokens} tokens, the context holds {ctx} "
        f"({len(question)} characters); add the text to the local index as a source "
        "instead (neuro-tui index FILE) and ask about it"), question, tokens, ctx)
