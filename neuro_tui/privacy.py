"""Nothing phones home: every dependency's telemetry or update check off, in one place.

Called first thing by the CLI entry (before huggingface_hub is imported, which reads its
settings at import time), and inherited by every child process through the environment
(llama-cli, pip during setup, each browser session of `neuro-tui serve`). docs/privacy.md
lists what can still leave the machine, and when: only what the user asked for.

What each setting covers, checked against the installed versions:
  huggingface_hub  HF_HUB_DISABLE_TELEMETRY (its send_telemetry pings); also forced on
                   the already-imported module. Hub requests happen only for downloads.
  hf_xet           its transfer telemetry runs only inside Xet transfers, which neuro-tui
                   never starts (downloads are plain HTTPS range requests, models/transfer.py).
  pip              PIP_DISABLE_PIP_VERSION_CHECK (the self-update check on every run).
  llama.cpp        LLAMA_ARG_OFFLINE=1 (newer llama-cli: no model downloads even if asked;
                   neuro-tui always passes a local -m file, this is defence in depth). The
                   new llama-cli talks to an internal server it runs on 127.0.0.1: loopback.
  generic          DO_NOT_TRACK=1, the consoledonottrack.com convention some tools honour.
  textual, rich, textual-serve, ddgs, trafilatura, tantivy: no telemetry or update checks
  (textual's devtools client only connects to 127.0.0.1 when TEXTUAL=devtools is set).
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

SETTINGS: dict[str, str] = {
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "LLAMA_ARG_OFFLINE": "1",
}


def apply(environ: MutableMapping[str, str] | None = None) -> None:
    """Turn telemetry off for this process and its children (idempotent, cheap)."""
    env = os.environ if environ is None else environ
    for key, value in SETTINGS.items():
        env[key] = value  # forced: a user's shell setting HF telemetry on is not honoured
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:  # imported before us: its module-level flag is already read
        constants.HF_HUB_DISABLE_TELEMETRY = True
