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


STOPWORDS = frozenset("""a an and are as at be but by can could did do does for from has have
how i if in into is it its me my of on or our should so than that the their them then there
these they this to was we were what when where which who whom why will with would you your
please tell explain""".split())


def _parts(user_query: str) -> list[tuple[list[str], bool]]:
    """(tokens, quoted) per word or quoted phrase; question words dropped if others remain."""
    text = user_query
    if text.count('"') % 2:
        text = text.replace('"', " ")  # unbalanced: treat quotes as plain punctuation
    parsed: list[tuple[list[str], bool]] = []
    for match in _PART.finditer(text):
        phrase, word = match.groups()
        parts = tokens(phrase if phrase is not None else word)
        if parts:
            parsed.append((parts, phrase is not None))
    content = [p for p in parsed if p[1] or len(p[0]) > 1 or p[0][0] not in STOPWORDS]
    return content or parsed


def concepts(user_query: str) -> list[list[str]]:
    """What the user asked for, one entry per word or phrase (`sort_keys` -> [sort, keys]):
    the units the ranking counts when it prefers passages that match more of the query."""
    unique = dict.fromkeys(tuple(parts) for parts, _quoted in _parts(user_query))
    return [list(group) for group in unique][:MAX_TERMS]


def to_tantivy(user_query: str) -> str:
    """A Tantivy query string equivalent to the user's words ('' when nothing is searchable).

    Question words ("how", "does", "the") are dropped when other words remain, and a
    punctuated word adds its parts as terms besides the phrase, so `heapq.merge` also finds
    "merge" in heapq.py."""
    clauses: list[str] = []
    for parts, quoted in _parts(user_query):
        if len(parts) == 1:
            clauses.append(parts[0])
            continue
        clauses.append('"' + " ".join(parts) + '"' + ("" if quoted else "^2"))
        if not quoted:
            clauses += [t for t in parts if t not in STOPWORDS]
    return " ".join(list(dict.fromkeys(clauses))[:MAX_TERMS])


def highlight_terms(user_query: str) -> set[str]:
    """Lowercased tokens of the query, for highlighting outside Tantivy's snippets."""
    return set(tokens(user_query))
