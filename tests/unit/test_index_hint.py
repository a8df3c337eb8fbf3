"""`neuro-tui index` ends by saying how answers use the index it wrote: the app reads no
index until told which one ([retrieval] storage is '' = off), and the welcome points here."""

from __future__ import annotations

from tests.faults.test_index_faults import cli


def test_index_says_how_to_answer_from_it(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "zebra.md").write_text("# Zebra\n\nThe zebra lives in Kenya.\n")
    done = cli(docs, "--storage", tmp_path / "index")
    assert done.returncode == 0, done.stderr
    assert f"answer from it: neuro-tui --storage {tmp_path / 'index'}" in done.stderr
    assert "under [retrieval]" in done.stderr and "config.toml" in done.stderr
