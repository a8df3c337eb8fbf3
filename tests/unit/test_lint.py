"""The code stays `ruff` clean (rules in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "neuro_tui", "tests",
                             "bench", "docs"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
