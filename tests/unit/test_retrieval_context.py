"""Context builder: numbering per source, dedup, token budget, the prompt's instruction."""

from __future__ import annotations

from neuro_tui.retrieval.context import INSTRUCTION, build_context, estimate_tokens
from neuro_tui.retrieval.search import Hit


def hit(path: str, line: int, text: str, score: float) -> Hit:
    return Hit(key=f"{path}#{line}", path=path, title=path.rsplit("/", 1)[-1], heading="",
               line_start=line, line_end=line + 3, text=text, snippet=text[:50], highlights=(),
               score=score)


def test_same_source_same_number_and_best_first():
    local = [hit("/d/a.md", 10, "alpha one", 9.0), hit("/d/b.md", 1, "beta", 8.0),
             hit("/d/a.md", 40, "alpha two", 7.0)]
    web = [hit("https://x.org/p", 1, "web text", 3.0)]
    ctx = build_context("q?", local, web)
    numbers = {s.path: s.number for s in ctx.sources}
    assert numbers["/d/a.md"] == 1 and numbers["https://x.org/p"] in (2, 3)
    assert [s.number for s in ctx.sources] == list(range(1, len(ctx.sources) + 1))
    a = ctx.sources[0]
    assert [p.line_start for p in a.passages] == [10, 40]  # both passages, document order
    assert a.location == "/d/a.md:10" and a.origin == "local"
    assert ctx.prompt.count("[1] a.md") == 1  # one header per source
    web_source = next(s for s in ctx.sources if s.origin == "web")
    assert web_source.location == "https://x.org/p"


def test_identical_passages_from_two_files_cited_once():
    text = "GNU GENERAL PUBLIC LICENSE version 3"
    ctx = build_context("license", [hit("/d/x/copyright", 1, text, 5.0),
                                    hit("/d/y/copyright", 1, text, 5.0),
                                    hit("/d/z.txt", 1, "other", 1.0)])
    assert [s.path for s in ctx.sources] == ["/d/x/copyright", "/d/z.txt"]


def test_budget_leaves_room_for_the_answer():
    local = [hit(f"/d/{i}.txt", 1, f"passage {i} " + "word " * 300, 10.0 - i) for i in range(8)]
    ctx = build_context("what?", local, ctx_size=2048, answer_tokens=512,
                        system_prompt="You are helpful")
    assert ctx.sources and len(ctx.sources) < 8
    assert ctx.prompt_tokens + 512 + estimate_tokens("You are helpful") <= 2048
    assert [s.number for s in ctx.sources] == list(range(1, len(ctx.sources) + 1))


def test_small_passage_still_fits_after_a_big_one_does_not():
    local = [hit("/d/big.txt", 1, "big " * 3000, 9.0), hit("/d/small.txt", 1, "small", 5.0)]
    ctx = build_context("q", local, ctx_size=1024, answer_tokens=256)
    assert [s.path for s in ctx.sources] == ["/d/small.txt"]


def test_prompt_instructs_citing_and_ends_with_question():
    ctx = build_context("Why is the sky blue?", [hit("/d/sky.md", 3, "Rayleigh scattering", 2)])
    assert ctx.prompt.startswith(INSTRUCTION)
    assert "[1] sky.md (/d/sky.md:3)\nRayleigh scattering" in ctx.prompt
    assert ctx.prompt.endswith("Question: Why is the sky blue?")


def test_no_sources_means_the_bare_question():
    ctx = build_context("hello", [], [], notes=["web search unavailable: rate limited"])
    assert ctx.prompt == "hello" and ctx.sources == []
    assert ctx.notes == ["web search unavailable: rate limited"]


def test_estimate_is_cautious_on_punctuation_dense_text():
    minified = '{"a": [9, 11], "b": 9, "c": [1, 2]}, ' * 100  # ~2.4 chars/token in practice
    assert estimate_tokens(minified) >= len(minified) / 2.4
    prose = "The quartermaster keeps the spare parts log on the station. " * 20
    assert len(prose) / 4.5 <= estimate_tokens(prose) <= len(prose) / 2.5


def test_weak_matches_far_below_the_best_are_left_out():
    local = [hit("/d/answer.md", 1, "the answer", 141.6), hit("/d/noise.js", 1, "9, 9, 9", 4.0)]
    web = [hit("https://x.org/a", 1, "web answer", 2.0)]  # judged against web hits only
    ctx = build_context("q", local, web)
    assert [s.path for s in ctx.sources] == ["/d/answer.md", "https://x.org/a"]
