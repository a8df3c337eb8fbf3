"""A lenient parser for what users type: `C++`, `std::vector`, `don't`, `thread-safe`,
unbalanced quotes. Nothing a user types may raise.

We never hand raw input to Tantivy's query language (where `:`, `+`, `-`, `"` and
parentheses mean something). Instead each word is split the way the index tokenizes it
(runs of letters and digits, lowercased); a word that splits into several tokens becomes a
phrase (`std::vector` -> "std vector"), balanced quotes make a phrase, everything else is a
plain term. The result is a query string made only of tokens and quotes, which always parses.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[^\W_]+")  # what tantivy's default (simple) tokenizer keeps
_PART = re.compile(r'"([^"]*)"|(\S+)')
MAX_TERMS = 48  # a pasted page as a question would make a very slow query
MAX_TOKEN = 40  # the default tokenizer drops longer tokens


def tokens(text: str) -> list[str]:
    return [t for t in (m.lower() for m in _TOKEN.findall(text)) if len(t) <= MAX_TOKEN]


def to_tantivy(user_query: str) -> str:
    """A Tantivy query string equivalent to the user's words ('' when nothing is searchable)."""
    text = user_query
    if text.count('"') % 2:
        text = text.replace('"', " ")  # unbalanced: treat quotes as plain punctuation
    clauses: list[str] = []
    seen: set[str] = set()
    for match in _PART.finditer(text):
        phrase, word = match.groups()
        parts = tokens(phrase if phrase is not None else word)
        if not parts:
            continue
        clause = parts[0] if len(parts) == 1 else '"' + " ".join(parts) + '"'
        if clause not in seen:
            seen.add(clause)
            clauses.append(clause)
        if len(clauses) >= MAX_TERMS:
            break
    return " ".join(clauses)


def highlight_terms(user_query: str) -> set[str]:
    """Lowercased tokens of the query, for highlighting outside Tantivy's snippets."""
    return set(tokens(user_query))
