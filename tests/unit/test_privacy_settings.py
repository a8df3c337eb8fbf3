"""Telemetry is off through the CLI entry, even when the user's shell turned it on."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from neuro_tui import privacy

PROBE = r"""
import json, os, sys
events = []
sys.addaudithook(lambda event, args: events.append(repr(args[1])) if event == "socket.connect"
                 else None)
import huggingface_hub.constants as constants  # imported BEFORE the CLI entry runs
from huggingface_hub.utils import send_telemetry
from neuro_tui.cli import main
code = main(["config", "path"])
send_telemetry(topic="neuro-tui-test")  # would ping huggingface.co if telemetry were on
import time; time.sleep(0.3)  # HF sends from a background thread
print(json.dumps({"code": code, "hf": constants.HF_HUB_DISABLE_TELEMETRY, "connects": events,
                  "env": {k: os.environ.get(k) for k in %r}}))
"""


def test_cli_entry_turns_telemetry_off_for_itself_and_children(tmp_path):
    env = dict(os.environ, HF_HUB_DISABLE_TELEMETRY="0", DO_NOT_TRACK="0",
               NEURO_TUI_CONFIG_DIR=str(tmp_path))
    env.pop("PIP_DISABLE_PIP_VERSION_CHECK", None)
    done = subprocess.run([sys.executable, "-c", PROBE % (list(privacy.SETTINGS),)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    assert result["hf"] is True  # the already-imported module was switched off too
    assert result["connects"] == []  # send_telemetry sent nothing
    assert result["env"] == privacy.SETTINGS  # children (llama-cli, pip, serve) inherit it


def test_apply_on_a_mapping_is_forced_and_idempotent():
    env = {"HF_HUB_DISABLE_TELEMETRY": "0", "PATH": "/bin"}
    privacy.apply(env)
    privacy.apply(env)
    assert env == {**privacy.SETTINGS, "PATH": "/bin"}
