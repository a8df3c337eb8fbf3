"""GenerationParams -> argv per flavor; what cannot be honoured is reported, not dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from neuro_tui.engine.args import build_argv
from neuro_tui.engine.events import Flavor
from neuro_tui.engine.params import GenerationParams, SessionSpec


def spec(flavor, fake, **params):
    return SessionSpec(binary=fake, flavor=flavor, model=Path("/m.gguf"),
                       params=GenerationParams(threads=1, **params))


def value(argv, flag):
    return argv[argv.index(flag) + 1]


def test_old_protocol_runs_unlimited_and_stops_with_ctrl_c(fake_llama_cli, monkeypatch):
    monkeypatch.setenv("FAKE_FLAVOR", "old")
    a = build_argv(spec(Flavor.UPSTREAM_CNV, fake_llama_cli, max_tokens=64, seed=7,
                        system_prompt="Be brief"))
    assert value(a.argv, "-n") == "-1" and a.stop_with_ctrl_c
    assert "-cnv" in a.argv and value(a.argv, "-sys") == "Be brief" and value(a.argv, "-s") == "7"
    assert "--color" in a.argv and value(a.argv, "-t") == "1"


def test_bitnet_system_prompt_is_p(fake_llama_cli, monkeypatch):
    monkeypatch.setenv("FAKE_FLAVOR", "bitnet")
    a = build_argv(spec(Flavor.BITNET, fake_llama_cli, system_prompt="Sys"))
    assert value(a.argv, "-p") == "Sys" and "-sys" not in a.argv


def test_new_protocol_has_per_turn_n_and_color_on(fake_llama_cli, monkeypatch):
    monkeypatch.setenv("FAKE_FLAVOR", "new")
    a = build_argv(spec(Flavor.UPSTREAM_CHAT, fake_llama_cli, max_tokens=64))
    assert value(a.argv, "-n") == "64" and not a.stop_with_ctrl_c
    assert "-cnv" not in a.argv and value(a.argv, "--color") == "on"


@pytest.mark.parametrize("flavor", list(Flavor))
def test_every_parameter_is_passed(fake_llama_cli, flavor):
    p = dict(temperature=0.3, top_p=0.8, top_k=20, repeat_penalty=1.2, repeat_last_n=32,
             ctx_size=1024, batch_size=64)
    a = build_argv(spec(flavor, fake_llama_cli, **p))
    for flag, key in [("--temp", "temperature"), ("--top-p", "top_p"), ("--top-k", "top_k"),
                      ("--repeat-penalty", "repeat_penalty"),
                      ("--repeat-last-n", "repeat_last_n"), ("-c", "ctx_size"),
                      ("-b", "batch_size")]:
        assert value(a.argv, flag) == str(p[key])


def test_extra_args_that_break_the_protocol_are_reported(fake_llama_cli):
    a = build_argv(spec(Flavor.UPSTREAM_CNV, fake_llama_cli,
                        extra_args=("--log-disable", "--mlock", "--color", "-st", "-m", "x")))
    assert "--mlock" in a.argv and "--log-disable" not in a.argv and "-st" not in a.argv
    assert a.argv.count("-m") == 1
    assert len(a.notes) == 4 and any("--log-disable" in n for n in a.notes)
