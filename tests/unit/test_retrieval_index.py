"""Incremental indexing on real files with real Tantivy; the CLI's index and search."""

from __future__ import annotations

import json
import os

import pytest

from neuro_tui.cli import main
from neuro_tui.errors import UsageError
from neuro_tui.retrieval import store
from neuro_tui.retrieval.indexer import index_paths
from neuro_tui.retrieval.search import LocalIndex


@pytest.fixture
def docs(tmp_path):
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "alpha.md").write_text("# Alpha\n\nThe alpha reactor runs on quasar fuel.\n")
    (folder / "beta.txt").write_text("Beta notes: the beta valve opens at noon.\n")
    (folder / "sub" / "gamma.rst").write_text("Gamma\n=====\n\nGamma rays are bright.\n")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    return folder


def paths_found(storage, query):
    return [os.path.basename(h.path) for h in LocalIndex(storage).search(query, 5)]


def test_incremental_add_change_touch_delete(docs, tmp_path):
    storage = tmp_path / "index"
    first = index_paths(storage, [docs], recursive=True)
    assert (first.added, first.unchanged, first.removed) == (3, 0, 0)
    assert first.skipped == {"binary": [str(docs / "logo.png")]}
    again = index_paths(storage, [docs], recursive=True)
    assert (again.added, again.updated, again.unchanged, again.passages) == (0, 0, 4, 0)
    assert again.skipped["binary"] == [str(docs / "logo.png")]  # still reported

    (docs / "alpha.md").write_text("# Alpha\n\nThe alpha reactor now runs on comet dust.\n")
    os.utime(docs / "beta.txt", ns=(1, 10**18))  # touched, same content
    (docs / "sub" / "gamma.rst").unlink()
    third = index_paths(storage, [docs], recursive=True)
    assert (third.updated, third.removed, third.passages) == (1, 1, 1)
    assert paths_found(storage, "comet dust") == ["alpha.md"]
    assert paths_found(storage, "quasar") == []  # old passage deleted by its path term
    assert paths_found(storage, "gamma rays") == []
    assert paths_found(storage, "beta valve") == ["beta.txt"]
    index = store.open_index(storage, create=False)
    assert set(store.file_states(index)) == {str(docs / n) for n in ("alpha.md", "beta.txt",
                                                                     "logo.png")}


def test_not_recursive_takes_only_top_level_files(docs, tmp_path):
    report = index_paths(tmp_path / "index", [docs])
    assert report.added == 2


def test_lock_busy_is_a_clear_error_while_readers_work(docs, tmp_path):
    storage = tmp_path / "index"
    index_paths(storage, [docs], recursive=True)
    holder = store.open_writer(store.open_index(storage, create=False), storage)
    try:
        with pytest.raises(store.IndexBusy, match="being updated by another neuro-tui process"):
            index_paths(storage, [docs], recursive=True)
        assert paths_found(storage, "beta valve") == ["beta.txt"]
        assert main(["index", str(docs), "--storage", str(storage)]) == 1
    finally:
        del holder


def test_cli_index_then_search_json_and_terminal_safe(docs, tmp_path, capsys):
    (docs / "evil.txt").write_text("zebra \x1b]0;pwned\x07\x1b[31m [bold]zebra[/bold] stripes\n")
    storage = tmp_path / "index"
    assert main(["index", str(docs), "--recursive", "--storage", str(storage)]) == 0
    err = capsys.readouterr().err
    assert "4 added" in err and "skipped 1 (binary)" in err and "logo.png" in err
    assert main(["search", "zebra", "--storage", str(storage), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["path"] == str(docs / "evil.txt") and rows[0]["line_start"] == 1
    assert "\x1b" not in rows[0]["passage"] and "[bold]zebra[/bold]" in rows[0]["passage"]
    assert main(["search", "zebra", "--storage", str(storage)]) == 0
    out = capsys.readouterr().out
    assert f"{docs / 'evil.txt'}:1" in out and "\x1b]" not in out and "[bold]zebra[/bold]" in out
    assert main(["search", "C++ std::vector \"don't", "--storage", str(storage)]) == 1
    assert "no passages match" in capsys.readouterr().out


def test_search_without_index_is_a_one_line_error(tmp_path, capsys):
    assert main(["search", "x", "--storage", str(tmp_path / "none")]) == 3
    assert "no index at" in capsys.readouterr().err


def test_html_is_extracted_and_cited_without_line_numbers(tmp_path, capsys):
    docs = tmp_path / "site"
    docs.mkdir()
    (docs / "page.html").write_text(
        "<html><head><title>Falcon guide</title></head><body><nav>menu menu</nav><article>"
        "<h1>Falcons</h1><p>The peregrine falcon dives at over 300 km/h when hunting.</p>"
        "<p>It nests on cliffs and, in cities, on tall buildings and bridges.</p>"
        "</article></body></html>")
    storage = tmp_path / "index"
    index_paths(storage, [docs])
    hit = LocalIndex(storage).search("peregrine dives", 1)[0]
    assert hit.title == "Falcon guide" and "300 km/h" in hit.text and "<p>" not in hit.text
    assert hit.line_start == 0
    assert main(["search", "peregrine", "--storage", str(storage)]) == 0
    assert f"{docs / 'page.html'}:" not in capsys.readouterr().out


def test_escape_codes_in_file_names_are_not_printed(tmp_path, capsys):
    docs = tmp_path / "d"
    docs.mkdir()
    (docs / "evil\x1b]0;pwned\x07name.txt").write_text("walrus tusks are long teeth\n")
    storage = tmp_path / "index"
    assert main(["index", str(docs), "--storage", str(storage)]) == 0
    capsys.readouterr()
    assert main(["search", "walrus", "--storage", str(storage)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "name.txt:1" in out


def test_storage_must_be_new_empty_or_an_index(docs, tmp_path):
    with pytest.raises(UsageError, match="not empty and is not a neuro-tui index"):
        index_paths(docs, [docs])  # would mix index files into the user's documents
    assert sorted(p.name for p in docs.iterdir()) == ["alpha.md", "beta.txt", "logo.png", "sub"]


def test_index_inside_the_indexed_folder_is_not_indexed(docs):
    storage = docs / "search-index"
    index_paths(storage, [docs], recursive=True)
    again = index_paths(storage, [docs], recursive=True)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)


def test_a_symlinked_file_is_indexed_once_under_its_real_path(tmp_path):
    from neuro_tui.retrieval.indexer import index_paths
    from neuro_tui.retrieval.search import LocalIndex

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "python-policy.html").write_text(
        "<html><title>Policy</title><body><p>The quokka packaging policy says hello.</p>"
        "</body></html>")
    (docs / "index.html").symlink_to("python-policy.html")
    (docs / "elsewhere.txt").symlink_to(tmp_path / "outside.txt")
    (tmp_path / "outside.txt").write_text("Outside text about wombats.\n")
    index_paths(tmp_path / "idx", [docs], recursive=True)
    index = LocalIndex(tmp_path / "idx")
    assert [h.path for h in index.search("quokka packaging policy", 5)] == [
        str(docs / "python-policy.html")]
    assert [h.path for h in index.search("wombats", 5)] == [str(docs / "elsewhere.txt")]
