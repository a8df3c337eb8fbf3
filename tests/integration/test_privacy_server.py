"""Privacy of the server engine, measured like test_privacy.py: under `strace -f`.

Loopback: a local llama-server (started by the engine for the chat, real SmolLM2) and the
Python client connect only to loopback, and the server listens only on loopback. A
non-loopback URL without the opt-in is refused before any socket opens to it.
"""

from __future__ import annotations

import pytest

from tests.integration.test_privacy import non_local, run_traced, session_env, strace
from tests.integration.test_server_real import llama_server_bin

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]
__all__ = ["strace", "llama_server_bin"]  # fixtures used by name below


def test_loopback_server_engine_nothing_but_loopback(strace, tmp_path, llama_server_bin,
                                                     smollm2, llama_cli_old):
    env = session_env(llama_cli_old, smollm2, NEURO_TUI_ENGINE="server",
                      LLAMA_SERVER_PATH=llama_server_bin)
    result, connects, execs, _done = run_traced(strace, tmp_path, ["engine", "Name a colour."],
                                                env)
    assert result.get("answer", "").strip(), result
    assert any(e.endswith("llama-server") for e in execs), f"llama-server never ran: {execs}"
    assert non_local(connects) == [], f"left the machine: {non_local(connects)}"
    inet = [c for c in connects if c[0] in ("AF_INET", "AF_INET6")]
    assert inet, "the client never connected: the test did not exercise the server path"
    for event in result["connects"]:
        assert event["family"] in (1, 16) or "127." in event["address"], event


def test_remote_url_without_opt_in_is_refused_before_any_connect(strace, tmp_path, smollm2,
                                                                 llama_cli_old):
    env = session_env(llama_cli_old, smollm2, NEURO_TUI_ENGINE="server",
                      NEURO_TUI_ENGINE_URL="http://10.11.12.13:8080")
    result, connects, _execs, _done = run_traced(strace, tmp_path, ["engine", "hi"], env)
    assert "not on this machine" in result.get("refused", ""), result
    assert "allow_remote" in result["refused"]
    assert [c for c in connects if c[1] == "10.11.12.13"] == []
    assert non_local(connects) == []
