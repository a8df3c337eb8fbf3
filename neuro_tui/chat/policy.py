"""Context policy: what to do before a turn when the conversation outgrows the context.

The hook is here so the long-conversation work has one place to fill; the default keeps
today's behaviour (llama-cli drops the oldest tokens itself, the ContextFilling event
warns at 80 %). What is refused outright (a message that cannot fit at all) is not policy:
ChatService.submit does that for every flavor.
"""

from __future__ import annotations

from typing import Protocol

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
