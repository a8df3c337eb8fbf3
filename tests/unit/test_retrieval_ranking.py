"""Ranking on a small real Tantivy index: every word beats one frequent word, one hit per
file with the rest folded, identifiers still match."""

from __future__ import annotations

import pytest
import tantivy

from neuro_tui.cli import main
from neuro_tui.retrieval import store
from neuro_tui.retrieval.indexer import index_paths
from neuro_tui.retrieval.search import LocalIndex, diversify, run_query


def make_index(docs: list[tuple[str, str, str]]) -> tantivy.Index:
    index = tantivy.Index(store.SCHEMA)
    writer = index.writer(15_000_000, 1)
    for n, (path, title, body) in enumerate(docs):
        writer.add_document(tantivy.Document(key=f"{path}#{n}", path=path, doctype="passage",
                                             title=title, heading=title, body=body,
                                             line_start=n + 1, line_end=n + 1))
    writer.commit()
    index.reload()
    return index


def test_passage_matching_every_word_beats_title_matching_one():
    generator = [("email/generator.html", "email.generator generator",
                  f"The generator object {i} writes a generator of MIME messages.")
                 for i in range(6)]
    wanted = ("contextlib.html", "contextlib utilities",
              "The contextmanager decorator turns a generator function into a context manager.")
    filler = [(f"other{i}.txt", "notes", "unrelated words about decorators " * 3)
              for i in range(4)]
    hits = run_query(make_index(generator + [wanted] + filler),
                     "contextmanager decorator generator", 5)
    assert hits[0].path == "contextlib.html", [h.path for h in hits]


def hit_list(paths: list[str]):
    """Passages scoring in list order (more "alpha" earlier), so the ranking is known."""
    index = make_index([(p, "t", "alpha " * (len(paths) - n) + f"passage {n} " + "pad " * n)
                        for n, p in enumerate(paths)])
    hits = run_query(index, "alpha", len(paths))
    assert [h.line_start for h in hits] == list(range(1, len(paths) + 1))
    return hits


def test_diversify_folds_further_passages_under_their_file():
    top = diversify(hit_list(["a", "a", "b", "a", "c", "a", "d", "a"]), 3)
    assert [h.path for h in top] == ["a", "b", "c"]
    assert top[0].more_count == 4  # all counted, the first 3 kept
    assert [m.line_start for m in top[0].more] == [2, 4, 6]
    assert (top[1].more_count, top[2].more_count) == (0, 0)  # d is below the cut


def test_fewer_files_than_places_fill_with_further_passages():
    top = diversify(hit_list(["a", "a", "a", "a", "b"]), 4)
    assert [(h.path, h.line_start) for h in top] == [("a", 1), ("b", 5), ("a", 2), ("a", 3)]
    assert top[0].more_count == 1  # 5 passages: 4 shown, the last one folded


@pytest.mark.parametrize("query, expected", [
    ("json.dumps", "ids/json"), ("sort_keys", "ids/json"), ("std::vector", "ids/cpp"),
    ("__init__", "ids/py"), ("json.dumps sort_keys indent", "ids/json")])
def test_identifiers_still_match(query, expected):
    index = make_index([
        ("ids/json", "json", "json.dumps(obj, sort_keys=True, indent=4) serializes obj"),
        ("ids/cpp", "vectors", "std::vector<int> grows; a vector of ints"),
        ("ids/py", "classes", "def __init__(self): the initializer runs on new objects"),
        ("ids/noise", "noise", "sort the keys of a dictionary; dumps of json files; indent")])
    hits = run_query(index, query, 3)
    assert hits and hits[0].path == expected, [h.path for h in hits]


def test_cli_says_how_many_more_passages_a_file_has(tmp_path, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    sections = "\n\n".join(f"# Part {n}\n\n" + f"zebra crossing rule {n}. " * 40 for n in range(4))
    (folder / "big.md").write_text(sections)
    (folder / "small.md").write_text("# Small\n\nOne zebra.\n")
    index_paths(tmp_path / "index", [folder], recursive=True)
    assert LocalIndex(tmp_path / "index").search("zebra", 1)[0].more_count >= 1
    assert main(["search", "zebra", "--storage", str(tmp_path / "index"), "-n", "2"]) == 0
    out = capsys.readouterr().out
    assert "more in this file" in out and "small.md" in out
