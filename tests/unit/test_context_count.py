"""The context tracker's parts and the chat template read from llama-cli's startup log
(engine/context_count.py); the counts themselves are checked against the real llama-cli in
tests/integration/test_context_exact_real.py."""

from __future__ import annotations

from neuro_tui.engine.chat_template import template_from_log
from neuro_tui.engine.loglines import context_tokens
from neuro_tui.engine.timing import ContextTracker, LiveStats

# llama-cli 0.3.16 + SmolLM2, as logged (EOG list, then the example main.cpp prints)
CHATML_LOG = """load: printing all EOG tokens:
load:   - 0 ('<|endoftext|>')
load:   - 2 ('<|im_end|>')
load: special tokens cache size = 17
main: chat template example:
<|im_start|>system
You are a helpful assistant<|im_end|>
<|im_start|>user
Hello<|im_end|>
<|im_start|>assistant
Hi there<|im_end|>
<|im_start|>user
How are you?<|im_end|>
<|im_start|>assistant


system_info: n_threads = 1
"""

LLAMA3_LOG = """load:   - 128009 ('<|eot_id|>')
main: chat template example:
<|start_header_id|>system<|end_header_id|>

You are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>

Hello<|eot_id|><|start_header_id|>assistant<|end_header_id|>

Hi there<|eot_id|><|start_header_id|>user<|end_header_id|>

How are you?<|eot_id|><|start_header_id|>assistant<|end_header_id|>


"""


def test_chatml_renders_what_main_cpp_tokenizes():
    t = template_from_log(CHATML_LOG)
    assert t.system("Be brief") == "<|im_start|>system\nBe brief<|im_end|>\n"
    # common_chat_format_single: the chat so far ends in "\n", so the delta starts with one
    assert t.user("Hi", t.system_post) == ("\n<|im_start|>user\nHi<|im_end|>\n"
                                           "<|im_start|>assistant\n")
    assert t.user("Hi", "") == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"


def test_llama3_splits_at_its_eot():
    t = template_from_log(LLAMA3_LOG)
    assert t.system_post == "<|eot_id|>" and t.assistant_post == "<|eot_id|>"
    assert t.user("Hi", t.assistant_post) == ("<|start_header_id|>user<|end_header_id|>\n\nHi"
                                              "<|eot_id|><|start_header_id|>assistant"
                                              "<|end_header_id|>\n\n")


def test_a_template_that_does_not_split_is_not_counted():
    no_eog = CHATML_LOG.replace("<|im_end|>", "")
    assert template_from_log(no_eog) is None
    assert template_from_log("no example here") is None
    assert template_from_log(CHATML_LOG.replace("How are you?", "How do you do?")) is None


def test_tracker_is_exact_only_when_every_part_is_counted():
    stats = LiveStats()
    ctx = ContextTracker(stats, 100, "system prompt")
    assert not stats.ctx_exact
    ctx.settle(0, 10)
    assert stats.ctx_exact and stats.ctx_used == 10
    part = ctx.part(20)  # a message, estimated while its count runs
    assert not stats.ctx_exact and stats.ctx_used == 30
    ctx.settle(part, 35)
    assert stats.ctx_exact and stats.ctx_used == 45
    ctx.part(40)
    assert ctx.check() is not None and ctx.check() is None  # one warning at 80 %
    ctx.counted_all(70)  # llama-cli's own total replaces every part
    assert stats.ctx_exact and stats.ctx_used == 70


def test_the_chat_clis_context_line():
    lines = ["0.03.993.437 I slot print_timing: id  0 | task 61 |    graphs reused =  117",
             "0.03.993.479 I slot      release: id  0 | task 61 | stop processing: "
             "n_tokens = 442, truncated = 0"]
    assert context_tokens(lines) == 442 and context_tokens(lines[:1]) is None
