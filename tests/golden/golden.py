"""Load a golden set and score a search function on it: recall@k and MRR by page.

A "page" is a path relative to the corpus folder; a Sphinx _sources/X.rst.txt copy counts
as X.html, since a person reading either has found the page.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
PYTHON_DOCS = HERE / "python_docs.toml"


@dataclass(frozen=True)
class GoldenQuery:
    q: str
    pages: tuple[str, ...]  # the wanted page first, then equally good ones


@dataclass(frozen=True)
class GoldenSet:
    corpus: Path
    package: str
    queries: tuple[GoldenQuery, ...]


def load(path: Path = PYTHON_DOCS) -> GoldenSet:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    queries = tuple(GoldenQuery(row["q"], (row["page"], *row.get("also", ())))
                    for row in data["query"])
    return GoldenSet(Path(data["corpus"]), data.get("package", ""), queries)


def page_of(path: str, corpus: Path) -> str:
    """The corpus-relative page a hit's path stands for."""
    relative = path[len(str(corpus)) + 1:] if path.startswith(str(corpus) + "/") else path
    if relative.startswith("_sources/") and relative.endswith(".rst.txt"):
        relative = relative[len("_sources/"):-len(".rst.txt")] + ".html"
    return relative


@dataclass
class Scores:
    recall: float  # share of queries with a gold page in the top k
    mrr: float  # mean of 1/rank of the first gold page (0 when outside the list)
    ranks: list[int]  # per query, 0 = not found in the list
    k: int

    def line(self, name: str) -> str:
        found = sum(1 for r in self.ranks if 0 < r <= self.k)
        return (f"{name:28s} recall@{self.k} {self.recall:.3f} ({found}/{len(self.ranks)})"
                f"  MRR {self.mrr:.3f}")


def evaluate(search: Callable[[str], list[str]], golden: GoldenSet, k: int = 5) -> Scores:
    """`search(query)` returns hit paths best first (10 or so, so MRR sees past k); a rank
    is the position of the first hit on a gold page in that list, as a user reads it."""
    ranks = []
    for item in golden.queries:
        pages = [page_of(p, golden.corpus) for p in search(item.q)]  # as the user sees them
        rank = next((n for n, page in enumerate(pages, 1) if page in item.pages), 0)
        ranks.append(rank)
    n = len(ranks)
    return Scores(sum(1 for r in ranks if 0 < r <= k) / n,
                  sum(1 / r for r in ranks if r) / n, ranks, k)
