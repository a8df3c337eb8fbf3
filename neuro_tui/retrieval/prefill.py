"""What the chat core calls before each cited turn: prompt, sources, and the expected wait.

    tuning = tune.for_spec(spec, cfg.threads, cfg.threads_batch, measure=cfg.auto_tune)
    plan = plan_turn(retriever, question, spec=spec, tuning=tuning,
                     prefill_seconds=cfg.prefill_seconds, ctx_size=..., answer_tokens=...)
    show(plan.sources, plan.notes)          # before the answer
    status(f"reading sources: {plan.prompt_tokens} tokens, ~{plan.expected_seconds:.1f} s")
    session.ask(plan.prompt)

Blocking (index, HTTP, one llama-tokenize process): call it from a worker thread.
Signature and fields: /work/notes/budget-api.md and docs/retrieval.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from neuro_tui.engine import tokenize, tune
from neuro_tui.engine.params import SessionSpec
from neuro_tui.retrieval.budget import TEMPLATE_TOKENS, pack
from neuro_tui.retrieval.context import MARGIN_TOKENS, Context, Source
from neuro_tui.retrieval.windows import query_terms

NO_WORDS_NOTE = "the question has no searchable words: answering without sources"


@dataclass(frozen=True)
class PrefillPlan:
    prompt: str  # send this to the model
    sources: list[Source]
    notes: list[str]
    prompt_tokens: int  # what llama-cli reads for this turn: the message + its chat template
    source_tokens: int  # the part the sources add (instruction, headers, windows)
    budget_tokens: int  # prefill_seconds x rate
    rate_tok_s: float  # prompt tokens per second used for the estimate
    rate_measured: bool  # False: the conservative default (not calibrated yet)
    exact_tokens: bool  # counts from the model's tokenizer (else an estimate)
    context: Context = field(repr=False, default=None)

    @property
    def expected_seconds(self) -> float:
        """Expected prefill time of this turn (what TTFT is made of)."""
        return self.prompt_tokens / self.rate_tok_s if self.rate_tok_s > 0 else 0.0

    @property
    def source_seconds(self) -> float:
        return self.source_tokens / self.rate_tok_s if self.rate_tok_s > 0 else 0.0


def plan_turn(retriever, question: str, *, spec: SessionSpec | None = None,
              tuning: tune.Tuning | None = None, counter=None, prefill_seconds: float = 1.5,
              ctx_size: int = 4096, answer_tokens: int = 512,
              system_prompt: str = "") -> PrefillPlan:
    """Retrieve, then pack sources into `prefill_seconds` of this model's measured prompt
    speed (never less than one window). `counter` defaults to the model's tokenizer."""
    question = question.strip()
    tuning = tuning or (tune.for_spec(spec) if spec else tune.default_tuning())
    if counter is None:
        counter = tokenize.counter_for(spec.binary if spec else None,
                                       spec.model if spec else None, tuning.chars_per_token)
    notes: list[str] = []
    local, web = [], []
    if retriever is not None and retriever.enabled:
        if not query_terms(question):
            notes.append(NO_WORDS_NOTE)
        else:
            local, web, notes = retriever.hits(question)
    budget = max(1, int(prefill_seconds * tuning.prefill_tok_s))
    system_tokens = counter.count(system_prompt) if system_prompt else 0
    room = ctx_size - max(answer_tokens, 0) - system_tokens - MARGIN_TOKENS
    packed = pack(question, local, web, counter=counter, budget_tokens=budget,
                  ctx_tokens=room, notes=notes)
    ctx = packed.context
    return PrefillPlan(ctx.prompt, ctx.sources, ctx.notes,
                       packed.source_tokens + packed.question_tokens + TEMPLATE_TOKENS,
                       packed.source_tokens, budget, tuning.prefill_tok_s, tuning.measured,
                       packed.exact, ctx)
