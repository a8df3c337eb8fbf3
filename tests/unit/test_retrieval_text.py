"""Chunking, loaders' skip reasons, control-sequence stripping, the lenient query parser."""

from __future__ import annotations

import gzip

import pytest
import tantivy
from hypothesis import given, settings
from hypothesis import strategies as st

from neuro_tui.retrieval import store
from neuro_tui.retrieval.chunking import TARGET_CHARS, chunk_text
from neuro_tui.retrieval.loaders import Skipped, load
from neuro_tui.retrieval.query import to_tantivy
from neuro_tui.retrieval.search import run_query
from neuro_tui.textsafe import strip_controls


def test_markdown_passages_follow_headings_and_keep_line_ranges():
    sections = [f"## Part {i}\n\n" + ("word " * 150 + "\n\n") * 2 for i in range(6)]
    text = "# Guide\n\nIntro.\n\n" + "".join(sections)
    chunks = chunk_text(text, "markdown")
    lines = text.split("\n")
    assert all(len(c.text) <= TARGET_CHARS + 200 for c in chunks)
    for chunk in chunks:
        assert lines[chunk.line_start - 1].strip() == chunk.text.split("\n")[0].strip()
        assert lines[chunk.line_end - 1].strip() == chunk.text.split("\n")[-1].strip()
    assert any(c.heading == "Guide > Part 3" and c.text.startswith("## Part 3") for c in chunks)
    assert [c.n for c in chunks] == list(range(len(chunks)))


def test_rst_and_python_heading_trails():
    rst = "=====\nTop\n=====\n\nIntro\n\nInstall\n-------\n\nRun make.\n"
    assert chunk_text(rst, "rst", target=12)[-1].heading == "Top > Install"
    code = "import os\n\n\nclass Box:\n    x = 1\n\n    def open(self):\n        return 2\n"
    assert chunk_text(code, "python", target=30)[-1].heading == "Box > open"


def test_endless_line_is_cut_and_every_character_kept():
    text = "a" * 9000 + "\n\nshort tail"
    chunks = chunk_text(text, "text")
    assert "".join(c.text for c in chunks).replace("\n", "") == "a" * 9000 + "short tail"
    assert max(len(c.text) for c in chunks) <= TARGET_CHARS


def test_strip_controls_removes_escapes_but_keeps_text_and_markup():
    hostile = "ok \x1b]0;pwned\x07 \x1b[31mred\x1b[0m \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ " \
              "[bold red]markup[/] \x9b2J\u202eevil\r\nnext\x00"
    clean = strip_controls(hostile)
    assert "\x1b" not in clean and "\x9b" not in clean and "\x07" not in clean
    assert "\u202e" not in clean and "\x00" not in clean and "\r" not in clean
    assert "red" in clean and "link" in clean and "[bold red]markup[/]" in clean
    assert "pwned" not in clean  # window titles are dropped with their escape


def test_loader_skip_reasons(tmp_path):
    (tmp_path / "img.bin.txt").write_bytes(b"abc\x00def" * 10)
    (tmp_path / "latin.txt").write_bytes("café ".encode("cp1252") * 200)
    (tmp_path / "bad.gz").write_bytes(b"not gzip at all")
    (tmp_path / "big.txt").write_bytes(b"x" * 2000)
    (tmp_path / "doc.md.gz").write_bytes(gzip.compress(b"# Zipped\n\nhello\n"))
    with pytest.raises(Skipped) as binary:
        load(tmp_path / "img.bin.txt")
    assert binary.value.reason == "binary"
    assert "café" in load(tmp_path / "latin.txt").text
    with pytest.raises(Skipped) as unreadable:
        load(tmp_path / "bad.gz")
    assert unreadable.value.reason == "unreadable"
    with pytest.raises(Skipped) as big:
        load(tmp_path / "big.txt", max_bytes=1000)
    assert big.value.reason == "too big"
    zipped = load(tmp_path / "doc.md.gz")
    assert (zipped.title, zipped.kind) == ("Zipped", "markdown")


@pytest.mark.parametrize("query, expected", [
    ("C++", "c"),
    ("std::vector", '"std vector"^2 std vector'),
    ("don't", '"don t"^2 don t'),
    ("thread-safe", '"thread safe"^2 thread safe'),
    ('"unbalanced quote', "unbalanced quote"),
    ('say "exact words" here', 'say "exact words" here'),
    ("title:x AND (y", '"title x"^2 title x y'),
    ("+++ ---", ""),
])
def test_lenient_parser(query, expected):
    assert to_tantivy(query) == expected


@pytest.fixture(scope="module")
def tiny_index():
    index = tantivy.Index(store.SCHEMA)
    writer = index.writer(15_000_000, 1)
    bodies = ["std::vector is a C++ container", "don't block: thread-safe queue",
              "plain words about python"]
    for n, body in enumerate(bodies):
        writer.add_document(tantivy.Document(key=f"f#{n}", path="f", doctype="passage",
                                             title="t", heading="", body=body, line_start=n + 1,
                                             line_end=n + 1))
    writer.commit()
    index.reload()
    return index


@pytest.mark.parametrize("query, line", [("std::vector", 1), ("C++ container", 1),
                                         ("thread-safe", 2), ("don't", 2)])
def test_punctuated_queries_find_their_passage(tiny_index, query, line):
    hits = run_query(tiny_index, query, 3)
    assert hits and hits[0].line_start == line
    assert any(hits[0].snippet[a:b].lower() in query.lower() for a, b in hits[0].highlights)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_no_user_input_raises(tiny_index, query):
    run_query(tiny_index, query, 3)
