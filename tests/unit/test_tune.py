"""Calibration: measured once, cached per binary + model + threads, measured again when any
of them changes; -tb reaches llama-cli's argv. A scripted llama-cli prints llama.cpp's perf
lines (rates chosen by the test) and logs each run, so the test sees every measurement."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from neuro_tui.engine import tune
from neuro_tui.engine.args import build_argv
from neuro_tui.engine.events import Flavor
from neuro_tui.engine.params import GenerationParams, SessionSpec

SCRIPT = """#!/bin/sh
echo "$@" >> "{log}"
tb=1; t=1
while [ $# -gt 0 ]; do
  case "$1" in -tb) tb=$2; shift;; -t) t=$2; shift;; esac; shift
done
if [ "$tb" = 2 ]; then pms=400; else pms=1000; fi
if [ "$t" = 2 ]; then ems=300; else ems=100; fi
echo "llama_perf_context_print: prompt eval time = $pms.00 ms /   201 tokens (x)" >&2
echo "llama_perf_context_print:        eval time =   $ems.00 ms /    15 runs   (x)" >&2
"""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    monkeypatch.setenv("NEURO_TUI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(tune, "usable_cores", lambda: 2)
    monkeypatch.setattr(tune, "default_threads", lambda: 1)
    log = tmp_path / "runs.log"
    binary = tmp_path / "llama-cli"
    binary.write_text(SCRIPT.format(log=log))
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF fake")
    spec = SessionSpec(binary, Flavor.OLD, model)
    return spec, log


def runs(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_calibration_picks_faster_batch_threads_and_keeps_one_generation_thread(fake):
    spec, log = fake
    result = tune.calibrate(spec.binary, spec.flavor, spec.model)
    assert runs(log) == 2
    assert (result.threads, result.threads_batch) == (1, 2)  # -tb 2 read 2.5x faster
    assert result.prefill_tok_s == pytest.approx(502.5)  # 201 tokens / 0.4 s
    assert result.gen_tok_s == pytest.approx(150.0)
    assert "-no-cnv" in log.read_text().splitlines()[0]


def test_cached_until_binary_model_or_threads_change(fake):
    spec, log = fake
    first = tune.for_spec(spec, measure=True)
    assert first.measured and runs(log) == 2
    assert tune.for_spec(spec, measure=True) == first and runs(log) == 2  # cached
    os.utime(spec.binary, ns=(1, 1))  # a rebuilt llama-cli
    tune.for_spec(spec, measure=True)
    assert runs(log) == 4
    spec.model.write_bytes(b"GGUF another model")
    tune.for_spec(spec, measure=True)
    assert runs(log) == 6
    fixed = tune.for_spec(spec, 1, 1, measure=True)  # the user fixed both: one run
    assert runs(log) == 7 and (fixed.threads, fixed.threads_batch) == (1, 1)
    assert tune.for_spec(spec, 1, 1, measure=True) == fixed and runs(log) == 7


def test_without_measurement_the_default_is_conservative(fake):
    spec, log = fake
    result = tune.for_spec(spec, measure=False)
    assert not result.measured and runs(log) == 0
    assert result.prefill_tok_s == tune.CONSERVATIVE_PREFILL_TOK_S
    assert tune.apply(spec, result) == spec  # nothing measured: today's threads stay


def test_failed_run_is_reported_not_cached(fake):
    spec, log = fake
    spec.binary.write_text("#!/bin/sh\necho 'main: error: unable to load model' >&2\nexit 1\n")
    with pytest.raises(RuntimeError, match="unable to load model"):
        tune.calibrate(spec.binary, spec.flavor, spec.model)
    assert tune.cached(spec.binary, spec.model) is None


def test_chosen_threads_reach_the_argv(fake):
    spec, _ = fake
    tuned = tune.apply(spec, tune.calibrate(spec.binary, spec.flavor, spec.model))
    argv = build_argv(tuned).argv
    assert argv[argv.index("-t") + 1] == "1" and argv[argv.index("-tb") + 1] == "2"
    user = tune.apply(spec, tune.cached(spec.binary, spec.model), auto_batch=False)
    assert "-tb" not in build_argv(user).argv
    assert "-tb" not in build_argv(SessionSpec(spec.binary, Flavor.OLD, spec.model,
                                               GenerationParams(threads=1))).argv


def test_bitnet_trial_leaves_out_no_cnv(tmp_path):
    argv = tune.trial_argv(Path("/x/llama-cli"), Flavor.BITNET, Path("m.gguf"),
                           tmp_path / "p.txt", 1, 2)
    assert "-no-cnv" not in argv and argv[argv.index("-tb") + 1] == "2"


def test_real_turns_update_the_rate_in_memory(fake):
    spec, _ = fake
    measured = tune.calibrate(spec.binary, spec.flavor, spec.model)
    slower = tune.observed(measured, prompt_tokens=300, ttft_s=3.0)  # the machine got busy
    assert slower.prefill_tok_s == pytest.approx((502.5 + 100) / 2, abs=0.1)
    assert tune.observed(measured, prompt_tokens=10, ttft_s=1.0) == measured  # too short
    assert tune.cached(spec.binary, spec.model) == measured  # the cache keeps the calibration
    first = tune.observed(tune.default_tuning(), prompt_tokens=200, ttft_s=1.0)
    assert first.measured and first.prefill_tok_s == 200.0


def test_generation_on_every_core_needs_a_clear_win(fake, monkeypatch):
    spec, _ = fake
    assert tune.calibrate(spec.binary, spec.flavor, spec.model).threads == 1  # -t 2 3x slower
    script = spec.binary.read_text().replace("ems=300; else ems=100", "ems=77; else ems=100")
    spec.binary.write_text(script)
    assert tune.calibrate(spec.binary, spec.flavor, spec.model).threads == 1  # 1.3x: no
    spec.binary.write_text(script.replace("ems=77", "ems=50"))
    assert tune.calibrate(spec.binary, spec.flavor, spec.model).threads == 2  # 2x: yes


def test_a_much_slower_real_turn_asks_for_a_new_calibration(fake):
    spec, _ = fake
    measured = tune.calibrate(spec.binary, spec.flavor, spec.model)
    busy = tune.observed(tune.observed(measured, 300, 3.0), 300, 3.0)
    assert tune.degraded(measured, busy) and not tune.degraded(measured, measured)
