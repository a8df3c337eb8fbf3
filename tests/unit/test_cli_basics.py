"""`neuro-tui --version` and `--help` as a user runs them."""

import subprocess
import sys

from neuro_tui import __version__


def neuro(*args):
    return subprocess.run([sys.executable, "-m", "neuro_tui", *args], capture_output=True,
                          text=True, timeout=60)


def test_version():
    result = neuro("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"neuro-tui {__version__}"


def test_help_lists_every_subcommand_with_one_line_help():
    result = neuro("--help")
    assert result.returncode == 0
    for command in ("setup", "runtime", "doctor", "model", "chat", "ask", "index", "search",
                    "config"):
        lines = [ln for ln in result.stdout.splitlines() if ln.strip().startswith(command + " ")]
        assert lines, f"{command} missing from --help"


def test_unknown_command_is_a_usage_error():
    result = neuro("frobnicate")
    assert result.returncode == 2
    assert "invalid choice: 'frobnicate'" in result.stderr
