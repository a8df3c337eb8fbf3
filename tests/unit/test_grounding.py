"""Grounding marks on hand-written answers whose support is known, against real passages
(the same context Sources the prompt is built from)."""

from __future__ import annotations

import json

from neuro_tui.retrieval.context import build_context
from neuro_tui.retrieval.grounding import ground, split_sentences
from neuro_tui.retrieval.search import Hit

HEAPQ = ("heapq.merge(*iterables, key=None, reverse=False): Merge multiple sorted inputs "
         "into a single sorted output (for example, merge timestamped entries from multiple "
         "log files). Returns an iterator over the sorted values.")
JSON = ("json.dumps(obj, *, indent=None, sort_keys=False): Serialize obj to a JSON formatted "
        "str. If sort_keys is true, the output of dictionaries will be sorted by key. If "
        "indent is a non-negative integer, array elements are pretty-printed with that indent.")
SHLEX = "shlex.split(s) splits the string s using shell-like syntax, honouring quotes."


def hit(path: str, text: str, score: float) -> Hit:
    return Hit(f"{path}#0", path, path, "", 1, 1, text, text[:80], (), score)


def sources():
    ctx = build_context("q", [hit("heapq.rst", HEAPQ, 10), hit("json.rst", JSON, 9),
                              hit("shlex.rst", SHLEX, 8)])
    assert [s.number for s in ctx.sources] == [1, 2, 3]
    return ctx.sources


def verdicts(answer: str) -> list[tuple[int, str]]:
    return [(c.number, c.verdict) for s in ground(answer, sources()).sentences
            for c in s.citations]


def test_supported_weak_and_not_found():
    answer = ("heapq.merge merges several sorted inputs into one sorted output [1]. "
              "Pass sort_keys=True to json.dumps to sort dictionary keys [2]. "
              "The merge function returns a list of tuples in reverse order [1]. "
              "Python was created by Guido van Rossum in 1991 [2].")
    assert verdicts(answer) == [(1, "supported"), (2, "supported"), (1, "weak"),
                                (2, "not_found")]


def test_which_words_matched_and_which_passage():
    result = ground("json.dumps pretty-prints with indent [2].", sources())
    citation = result.sentences[0].citations[0]
    assert set(citation.matched) == {"json", "dump", "pretty", "indent"}
    assert citation.missing == ("print",)  # the passage says "printed": no stemming but -s
    assert citation.passage == 0 and citation.score == 0.8 and citation.verdict == "supported"


def test_citing_the_wrong_source_is_not_found():
    assert verdicts("shlex.split honours quotes using shell-like syntax [1].") == [
        (1, "not_found")]
    assert verdicts("shlex.split honours quotes using shell-like syntax [3].") == [
        (3, "supported")]


def test_numbers_beyond_the_source_list_and_uncited_sources():
    result = ground("Merge sorted inputs [1][7]. Also see [2, 9].", sources())
    assert result.unknown == (7, 9)
    assert result.uncited == (3,)
    assert [(c.number, c.verdict) for c in result.sentences[0].citations] == [
        (1, "supported"), (7, "no_source")]
    marks = {m.number: (m.cited, m.verdict) for m in result.sources}
    assert marks == {1: (1, "supported"), 2: (1, "weak"), 3: (0, "uncited")}


def test_sentence_offsets_and_markers_after_the_full_stop():
    answer = "It merges sorted inputs. [1] Unrelated words here.\n\n- json sorts keys [2]"
    spans = [answer[a:b] for a, b in split_sentences(answer)]
    assert spans == ["It merges sorted inputs. [1]", "Unrelated words here.",
                     "- json sorts keys [2]"]
    result = ground(answer, sources())
    assert [answer[s.start:s.end] for s in result.sentences] == [
        "It merges sorted inputs. [1]", "- json sorts keys [2]"]


def test_code_indexing_is_not_a_citation():
    result = ground("Use values[1] and data[0] to index lists.", sources())
    assert result.sentences == () and result.uncited == (1, 2, 3)


def test_plain_mapping_and_json_shape():
    result = ground("The Tessaly loop recycles water [1].", {1: ["Water is recycled by the "
                                                                "Tessaly loop."]})
    data = json.loads(json.dumps(result.as_json()))
    assert list(data) == ["sentences", "sources", "unknown", "uncited", "unattributed"]
    assert data["sentences"][0]["citations"][0]["verdict"] == "supported"
    assert data["sources"][0] == {"number": 1, "cited": 1, "verdict": "supported",
                                  "supported": 1, "weak": 0, "not_found": 0}


def test_sentences_without_a_number_get_the_source_that_supports_them():
    answer = ("shlex.split honours quotes with shell-like syntax. "
              "It was written on the moon by penguins. heapq merges sorted inputs [1].")
    result = ground(answer, sources())
    loose = {s.text: s.suggested for s in result.unattributed}
    best = loose["shlex.split honours quotes with shell-like syntax."]
    assert (best.number, best.verdict) == (3, "supported")
    assert loose["It was written on the moon by penguins."] is None
    assert [s.text for s in result.sentences] == ["heapq merges sorted inputs [1]."]
