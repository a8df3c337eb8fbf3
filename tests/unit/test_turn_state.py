"""engine/turn.py (with turn_state.py and turn_end.py, split from it) runs a turn on one
TurnState the session hands it, through a small public session API (TurnHost), never on
LlamaSession's private members (issue #11)."""

from __future__ import annotations

import ast
from pathlib import Path

import neuro_tui.engine.turn as turn_mod
import neuro_tui.engine.turn_end as turn_end_mod
import neuro_tui.engine.turn_state as turn_state_mod

MODULES = (turn_mod, turn_end_mod, turn_state_mod)
SOURCE = "\n".join(Path(module.__file__).read_text() for module in MODULES)


def test_turn_uses_no_private_member_of_another_object():
    private = set()
    for module in MODULES:
        tree = ast.parse(Path(module.__file__).read_text())
        private |= {f"{ast.unparse(node.value)}.{node.attr}" for node in ast.walk(tree)
                    if isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__") and ast.unparse(node.value) != "self"
                    and not isinstance(node.value, ast.Constant)}
    assert sorted(private) == []


def test_turn_does_not_import_the_session_and_names_its_state():
    assert "engine.session" not in SOURCE  # no import cycle, not even a local import
    fields = set(turn_mod.TurnState.__dataclass_fields__)
    assert {"number", "proc", "parser", "queue", "parts", "stop_reason",
            "interrupting"} <= fields
    host = set(dir(turn_mod.TurnHost)) | set(turn_mod.TurnHost.__annotations__)
    assert {"history", "why", "exit_text", "respawn"} <= host


def test_recap_of_raw_history_is_cleaned():
    """History keeps raw model text (the chat core cleans what users see); a restarted
    llama-cli is told it in its system prompt, which it prints while loading: no escapes."""
    from neuro_tui.engine.events import Exchange
    from neuro_tui.engine.recap import build_recap

    raw = Exchange("hi\x1b]0;t\x07", "Done.\x1b[1m\x1b[32m\r\n> \x1b]8;;x\x1b\\link\x1b]8;;\x1b\\")
    recap = build_recap([raw], 2048)
    assert "\x1b" not in recap and "\r" not in recap
    assert "User: hi\nAssistant: Done.\n> link" in recap
