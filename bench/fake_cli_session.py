"""A real LlamaSession talking to the scripted fake llama-cli (tests/fakes) over a pty."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FAKE = REPO / "tests" / "fakes" / "fake-llama-cli"


def fake_token_count(text: str) -> int:
    """Tokens as the fake llama-cli cuts them (whitespace + up to 6 characters)."""
    data = text.replace("\n", "\r\n").encode()
    return len(re.findall(rb"\s*[^\s]{1,6}|\s+", data, re.S))


def fake_cli_session(answers: list[str], **env: str):
    from neuro_tui.engine.events import Flavor  # noqa: I001
    from neuro_tui.engine.params import GenerationParams, SessionSpec
    from neuro_tui.engine.session import LlamaSession

    os.environ.update({"FAKE_ANSWERS": json.dumps(answers), "FAKE_TOKEN_DELAY": "0",
                       "FAKE_PREFILL_DELAY": "0", "FAKE_LOAD_DELAY": "0", **env})
    model = Path(tempfile.mkdtemp()) / "fake.gguf"
    model.write_bytes(b"GGUF")
    spec = SessionSpec(FAKE, Flavor.UPSTREAM_CNV, model,
                       GenerationParams(threads=1, seed=1, max_tokens=0, ctx_size=1 << 20),
                       log_dir=Path(tempfile.mkdtemp()))
    return LlamaSession(spec)
