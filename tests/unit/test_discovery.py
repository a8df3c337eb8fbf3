"""Flavor detection from real --help output, and the discovery order."""

import os
import stat

import pytest

from neuro_tui.engine import discovery
from neuro_tui.engine.events import Flavor
from neuro_tui.errors import MissingError


@pytest.mark.parametrize(
    ("name", "flavor"),
    [
        ("help-0.3.16-llama-cli.txt", Flavor.UPSTREAM_CNV),
        ("help-0.3.36-llama-completion.txt", Flavor.UPSTREAM_CNV),
        ("help-0.3.36-llama-cli.txt", Flavor.UPSTREAM_CHAT),
    ],
)
def test_flavor_from_recorded_help(transcripts_dir, name, flavor):
    text = (transcripts_dir / "upstream" / name).read_text(errors="replace")
    assert discovery.classify_help(text) is flavor


def test_bitnet_fork_has_cnv_but_no_sys(transcripts_dir):
    """bitnet.cpp's main.cpp predates -sys: -cnv without -sys/--system-prompt is the fork."""
    text = (transcripts_dir / "upstream" / "help-0.3.16-llama-cli.txt").read_text()
    fork = "\n".join(line for line in text.splitlines() if "-sys" not in line)
    assert discovery.classify_help(fork) is Flavor.BITNET


def test_other_programs_are_not_llama_cli():
    assert discovery.classify_help("usage: ls [OPTION]... [FILE]...") is None


def _script(path, body):
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_explicit_env_path_that_is_not_executable_is_an_error(tmp_path):
    plain = tmp_path / "llama-cli"
    plain.write_text("not a program")
    with pytest.raises(MissingError, match=r"BITNET_CLI_PATH=.*llama-cli is not an executable"):
        discovery.choose(environ={"BITNET_CLI_PATH": str(plain), "PATH": ""})


def test_explicit_path_that_is_not_a_llama_cli_is_an_error(tmp_path):
    other = _script(tmp_path / "other", "echo 'usage: other [-x]'\n")
    with pytest.raises(MissingError, match=r"--cli=.*other is not a llama-cli"):
        discovery.choose(str(other), environ={"PATH": ""})


def test_missing_explicit_path_says_so(tmp_path):
    with pytest.raises(MissingError, match="does not exist"):
        discovery.choose(str(tmp_path / "nope"), environ={"PATH": ""})


def test_nothing_found_tells_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setenv("NEURO_TUI_RUNTIME_DIR", str(tmp_path / "no-runtimes"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(MissingError) as caught:
        discovery.choose(environ={"PATH": str(tmp_path)})
    assert "no llama-cli found" in str(caught.value)
    assert "neuro-tui runtime install" in str(caught.value)


def test_flavor_is_cached_by_path_and_mtime(tmp_path, transcripts_dir):
    help_file = transcripts_dir / "upstream" / "help-0.3.36-llama-cli.txt"
    counter = tmp_path / "runs"
    cli = _script(tmp_path / "llama-cli", f"echo x >> {counter}\ncat {help_file}\n")
    first = discovery.inspect(cli, "test")
    second = discovery.inspect(cli, "test")
    assert first.flavor is second.flavor is Flavor.UPSTREAM_CHAT
    assert counter.read_text().count("x") == 2  # --help and --version, once
    os.utime(cli, ns=(1, 1))
    discovery.inspect(cli, "test")
    assert counter.read_text().count("x") == 4
