"""The recap a restarted llama-cli gets in its system prompt, so the conversation goes on.

Why in the system prompt: a new process has an empty context; replaying the turns would
cost a full prefill per turn and re-trigger answers. A short "earlier in this conversation"
block costs one prefill and keeps the model on topic. The newest turns are kept when the
history is longer than a quarter of the context. Engines keep raw model text in their
history (the chat core cleans what users see), so the recap is cleaned with the one cleaner:
a restarted llama-cli shows its system prompt on the pty while it loads.
"""

from __future__ import annotations

from neuro_tui.textsafe import strip_controls

CHARS_PER_TOKEN = 4


def build_recap(history, ctx_size: int) -> str:
    """Plain-text recap of `history` (items with .user, .answer, .partial); "" when empty."""
    if not history:
        return ""
    budget = max(400, ctx_size * CHARS_PER_TOKEN // 4)
    lines: list[str] = []
    used = 0
    for item in reversed(history):
        answer = strip_controls(item.answer).strip() + (" [cut off]" if item.partial else "")
        block = f"User: {strip_controls(item.user).strip()}\nAssistant: {answer}"
        if used + len(block) > budget:
            if not lines:
                lines.append(block[-budget:])
            break
        lines.append(block)
        used += len(block) + 1
    lines.reverse()
    return ("Earlier in this conversation (recap after a restart):\n" + "\n".join(lines)
            + "\nContinue the conversation from here.")
