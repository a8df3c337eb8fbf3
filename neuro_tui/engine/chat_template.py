"""The chat template llama-cli uses, as text around each message, read from its own log.

Why from the log: main.cpp (0.3.16) logs a "chat template example" at startup, rendered by
the very template (built-in or the GGUF's) it will apply, and the model's end-of-generation
tokens. The text between the example's messages is split at the first EOG token (and the
whitespace after it): what ends one message and what starts the next. A template that does
not split that way, or renders the example inconsistently, gives None (not counted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# common_chat_format_example's messages, in its order
EXAMPLE = ("You are a helpful assistant", "Hello", "Hi there", "How are you?")
_EOG = re.compile(r"^load:\s+- \d+ \('(.+)'\)$", re.M)


@dataclass(frozen=True)
class Template:
    """The chat template as text around each message (from the startup log's example)."""

    system_pre: str
    system_post: str
    user_pre: str
    user_post: str
    assistant_pre: str
    assistant_post: str

    def system(self, text: str) -> str:
        return self.system_pre + text + self.system_post

    def user(self, text: str, chat_ends_with: str) -> str:
        """The delta llama-cli tokenizes for a message after a chat ending in `chat_ends_with`."""
        lead = "\n" if chat_ends_with.endswith("\n") else ""
        return lead + self.user_pre + text + self.user_post + self.assistant_pre


def template_from_log(log: str) -> Template | None:
    """The template llama-cli uses, from its log; None when it cannot be split safely."""
    head = "chat template example:\n"
    at = log.find(head)
    eogs = _EOG.findall(log)
    if at < 0 or not eogs:
        return None
    example, found, cursor = log[at + len(head):], [], 0
    for text in EXAMPLE:
        where = example.find(text, cursor)
        if where < 0:
            return None
        found.append((where, where + len(text)))
        cursor = where + len(text)
    pieces = [example[:found[0][0]]] + [example[found[i][1]:found[i + 1][0]]
                                        for i in range(3)]
    pre, sys_user, user_asst, asst_user = pieces
    tail = example[found[3][1]:]
    split = [_split(p, eogs) for p in (sys_user, user_asst, asst_user)]
    if None in split or not tail.startswith(user_asst) or "\\" in "".join(pieces):
        return None
    (system_post, user_pre), (user_post, assistant_pre), (assistant_post, user_pre2) = split
    if user_pre != user_pre2:
        return None
    return Template(pre, system_post, user_pre, user_post, assistant_pre, assistant_post)


def _split(between: str, eogs: list[str]) -> tuple[str, str] | None:
    """`between` two messages -> (end of the first, start of the next): the end runs to the
    first EOG token's text and the whitespace after it."""
    hits = [(between.find(e), e) for e in eogs if e and e in between]
    if not hits:
        return None
    where, eog = min(hits)
    end = where + len(eog)
    while end < len(between) and between[end] in " \n":
        end += 1
    return between[:end], between[end:]
