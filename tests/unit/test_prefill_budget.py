"""Source packing by prefill time: windows around the matched words, dedupe, the budget,
and the bad inputs of issue #13 (no searchable words, a 20 KB line, a deleted file)."""

from __future__ import annotations

from neuro_tui.engine.tokenize import Estimate
from neuro_tui.retrieval.budget import pack
from neuro_tui.retrieval.prefill import NO_WORDS_NOTE, plan_turn
from neuro_tui.retrieval.search import Hit
from neuro_tui.retrieval.windows import best_window, query_terms, units

FILLER = ("The committee met on Tuesday to review the annual budget and the harbour plans. "
          "Several members asked for more time to read the report before the vote. ")


def hit(path: str, text: str, score: float, line: int = 1) -> Hit:
    return Hit(key=f"{path}#{line}", path=path, title=path.rsplit("/", 1)[-1], heading="",
               line_start=line, line_end=line + text.count("\n"), text=text,
               snippet=text[:50], highlights=(), score=score)


def test_window_holds_the_matched_sentence_not_the_whole_passage():
    answer = "To rotate the log files, run logrotate with the force flag once a week."
    text = FILLER * 6 + answer + " " + FILLER * 6
    window = best_window(text, query_terms("How do I rotate log files with logrotate?"))
    assert answer in window.text
    assert len(window.text) < len(text) / 3
    assert {"rotate", "logrotate", "log", "files"} <= window.terms


def test_window_line_range_points_at_the_matched_lines(tmp_path):
    lines = [f"line {i} about nothing in particular." for i in range(1, 60)]
    lines[40] = "The zeppelin hangar opens at dawn."
    path = tmp_path / "notes.txt"
    path.write_text("\n".join(lines))
    packed = pack("zeppelin hangar", [hit(str(path), "\n".join(lines), 5.0, line=1)],
                  counter=Estimate(), budget_tokens=400)
    passage = packed.context.sources[0].passages[0]
    assert "zeppelin hangar" in passage.text
    assert passage.line_start <= 41 <= passage.line_end
    assert packed.context.sources[0].location.endswith(f":{passage.line_start}")


def test_budget_is_respected_and_best_sources_come_first():
    hits = [hit(f"/d/{i}.txt", FILLER * 3 + f"Answer {i}: the kiln fires at 1200 degrees. "
                + FILLER * 3, 10.0 - i) for i in range(8)]
    counter = Estimate(3.0)
    packed = pack("kiln fires degrees", hits, counter=counter, budget_tokens=300)
    assert packed.source_tokens <= 300
    assert 1 <= len(packed.context.sources) < 8
    assert packed.context.sources[0].path == "/d/0.txt"
    assert all("kiln" in s.passage for s in packed.context.sources)
    assert packed.context.prompt.endswith("Question: kiln fires degrees")


def test_at_least_one_window_even_over_budget():
    packed = pack("kiln", [hit("/d/a.txt", FILLER * 4 + "The kiln is hot.", 3.0)],
                  counter=Estimate(), budget_tokens=5)
    assert len(packed.context.sources) == 1 and "kiln" in packed.context.prompt
    assert packed.source_tokens > 5  # over budget, said honestly


def test_exact_and_near_duplicates_are_dropped():
    base = "The kiln fires at 1200 degrees for porcelain and at 1000 degrees for earthenware."
    hits = [hit("/d/a.txt", base, 9.0), hit("/d/b.txt", base, 8.0),
            hit("/d/c.txt", base.replace("porcelain", "porcelain ware") + "\n", 7.0),
            hit("/d/d.txt", "A kiln needs dry wood and patience.", 6.0)]
    packed = pack("kiln degrees", hits, counter=Estimate(), budget_tokens=2000)
    assert [s.path for s in packed.context.sources] == ["/d/a.txt", "/d/d.txt"]
    assert packed.duplicates == 2


def test_one_20kb_line_gives_a_bounded_window():
    line = ("word " * 2000) + "the quokka smiles " + ("word " * 2000)
    assert max(e - s for s, e in units(line)) <= 320
    packed = pack("quokka", [hit("/d/long.txt", line, 4.0)], counter=Estimate(),
                  budget_tokens=200)
    text = packed.context.sources[0].passage
    assert "quokka" in text and len(text) <= 600


class _Retriever:
    enabled = True

    def __init__(self, local):
        self.local = local
        self.asked = []

    def hits(self, question):
        self.asked.append(question)
        return self.local, [], []


def test_question_without_searchable_words_says_so_and_still_asks():
    retriever = _Retriever([hit("/d/a.txt", "text", 1.0)])
    plan = plan_turn(retriever, "?!? ...", counter=Estimate())
    assert plan.prompt == "?!? ..." and plan.sources == []
    assert plan.notes == [NO_WORDS_NOTE] and retriever.asked == []


def test_deleted_source_file_is_still_cited_with_a_note(tmp_path):
    path = tmp_path / "gone.md"
    plan = plan_turn(_Retriever([hit(str(path), "The quokka lives on Rottnest.", 3.0)]),
                     "Where does the quokka live?", counter=Estimate())
    assert plan.sources[0].number == 1 and "Rottnest" in plan.prompt
    assert plan.notes == [f"[1] {path}:1: the file no longer exists; citing the indexed copy"]


def test_plan_reports_expected_prefill_from_the_rate():
    from neuro_tui.engine.tune import Tuning

    tuning = Tuning(1, 2, 200.0, 50.0, 4.0)
    plan = plan_turn(_Retriever([hit("/d/a.txt", FILLER * 10 + "kiln", 3.0)]), "kiln?",
                     tuning=tuning, counter=Estimate(), prefill_seconds=1.0)
    assert plan.budget_tokens == 200 and plan.rate_measured and not plan.exact_tokens
    assert plan.source_tokens <= 200
    assert abs(plan.expected_seconds - plan.prompt_tokens / 200.0) < 1e-9


def test_index_from_an_older_version_is_one_clear_note_and_the_index_is_kept(tmp_path):
    from neuro_tui.retrieval import store
    from neuro_tui.retrieval.pipeline import Retriever

    storage = tmp_path / "index"
    store.open_index(storage, create=True)
    (storage / store.MARKER).write_text("0\n")  # what an older neuro-tui wrote
    before = sorted(p.name for p in storage.iterdir())
    plan = plan_turn(Retriever(storage), "Where does the quokka live?", counter=Estimate())
    assert plan.prompt == "Where does the quokka live?" and plan.sources == []
    assert len(plan.notes) == 1 and "made by another neuro-tui version" in plan.notes[0]
    assert "new --storage folder" in plan.notes[0]
    assert sorted(p.name for p in storage.iterdir()) == before  # nothing deleted


def test_estimate_fallback_errs_towards_more_tokens():
    from neuro_tui.engine.tokenize import counter_for, estimate_chars_per_token

    assert estimate_chars_per_token(None) == 3.0
    assert estimate_chars_per_token(4.78) == 3.0  # SmolLM2 prose figure: docs cost more
    assert estimate_chars_per_token(1.24) == 0.93  # byte-level vocab
    counter = counter_for(None, None, 1.24)
    assert not counter.exact and counter.count("x" * 93) == 100


def test_a_matching_heading_brings_the_text_after_it():
    text = "# Zorblat\n\n" + "Filler about the towns of the coast and their markets. " * 30
    window = best_window(text, query_terms("zorblat"), max_chars=200)
    assert window.text.startswith("# Zorblat") and 150 <= len(window.text) <= 200


def test_a_heading_alone_is_skipped_unless_it_is_all_there_is():
    heading = hit("/d/z.md", "# Zorblat", 9.0)
    body = hit("/d/z.md", "The zorblat festival is held in Quennick every year.", 5.0, line=9)
    packed = pack("zorblat festival", [heading, body], counter=Estimate(), budget_tokens=400)
    assert [p.text for p in packed.context.sources[0].passages] == [body.text]
    alone = pack("zorblat", [heading], counter=Estimate(), budget_tokens=400)
    assert alone.context.sources[0].passage == "# Zorblat"


def test_a_failing_tokenizer_falls_back_to_the_estimate_with_a_note(tmp_path):
    from neuro_tui.engine.tokenize import LlamaTokenize

    broken = LlamaTokenize(tmp_path / "llama-tokenize", tmp_path / "m.gguf")  # not there
    packed = pack("kiln", [hit("/d/a.txt", "The kiln is hot today.", 3.0)], counter=broken,
                  budget_tokens=200)
    assert packed.context.sources and not packed.exact
    assert packed.notes[0].startswith("token counts estimated: llama-tokenize failed")


def test_the_context_room_caps_even_the_first_window():
    long_question = "kiln " * 50
    packed = pack(long_question, [hit("/d/a.txt", "The kiln is hot. " * 30, 3.0)],
                  counter=Estimate(3.0), budget_tokens=10_000, ctx_tokens=120)
    assert packed.context.sources == [] and packed.context.prompt == long_question.strip()
    assert packed.notes[0].startswith("no source fits the context")
    roomy = pack(long_question, [hit("/d/a.txt", "The kiln is hot. " * 30, 3.0)],
                 counter=Estimate(3.0), budget_tokens=10_000, ctx_tokens=400)
    assert roomy.source_tokens + roomy.question_tokens <= 400 and roomy.context.sources
