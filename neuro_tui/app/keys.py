"""The key reference, read from the widgets' own BINDINGS so it cannot go stale.

The help screen (F1) and docs/keys.md (docs/gen_reference.py) both come from `key_rows()`.
`DETAILS` only lengthens a binding's short footer label; a test fails when a binding has
no entry here, so a new key cannot ship undocumented.
"""

from __future__ import annotations

from textual.binding import Binding

DETAILS = {
    "stop_or_hint": "copy the selected text (mouse drag; OSC 52); with nothing selected, "
                    "stop the answer (at an idle prompt it only says that Ctrl+Q quits)",
    "stop": "stop the answer; llama-cli stays loaded",
    "quit": "quit (llama-cli is ended, never orphaned)",
    "help": "this key reference",
    "toggle_timing": "timing overlay: state, load, TTFT, tokens, tok/s, context, RSS/CPU",
    "log": "llama-cli's own log: startup, config and perf lines",
    "toggle_side": "show or hide the model and sources panes",
    "sessions": "saved chats: resume, rename, delete, export to Markdown",
    "copy_answer": "copy the selected text (mouse drag), else the last answer (OSC 52: "
                   "works over SSH)",
    "copy_code": "copy the last code block of the last answer",
    "toggle_web": "web search on/off (on: questions leave the machine)",
    "edit_last": "edit the last message and send it again",
    "grounding": "check the selected answer's citations: each [n] marked supported / weak / "
                 "not found (which words matched); Enter opens the source",
    "regenerate": "regenerate the last answer",
    "restart": "restart llama-cli (after a crash or hang); earlier turns are recapped",
    "next_theme": "next theme (the choice is remembered)",
    "model_settings": "model and parameters: switch, download, sampling, context, threads",
    "install_runtime": "build llama-cli when none is found (bitnet.cpp's for a BitNet model, "
                       "else upstream's from PyPI; progress in the model pane), then start "
                       "the chat",
    "scroll_transcript(-1)": "page up through the chat",
    "scroll_transcript(1)": "page down through the chat",
    "cursor_down": "next source",
    "cursor_up": "previous source",
    "copy_citation": "copy the citation",
    "open_external": "open the file or URL with your opener (when there is a display)",
    "screen.sources_step(-1)": "sources of the previous answer",
    "screen.sources_step(1)": "sources of the next answer",
    "select_number": "select source n",
    "dismiss": "close",
    "dismiss(None)": "close without applying",
    "dismiss(True)": "add the pasted text to the local index (then ask about it)",
    "dismiss(False)": "keep chatting without it",
    "app.pop_screen": "back to the chat",
    "apply": "apply the settings (llama-cli restarts, transcript kept and recapped)",
    "download": "download the selected model, with progress",
    "close": "close",
    "rename": "rename the selected chat",
    "delete": "delete the selected chat",
    "export": "export the selected chat to Markdown, sources as footnotes",
    "copy": "copy the citation",
    "select_text": "select and copy any chat text (v marks, y copies via OSC 52); f forks "
                   "a new chat at the turn under the cursor",
    "search": "search every saved chat (questions rank first); Enter opens that chat "
              "scrolled to the turn found",
}


def _contexts() -> list[tuple[str, list[Binding]]]:
    from neuro_tui.app.app import NeuroApp
    from neuro_tui.app.chat_input import ChatInput
    from neuro_tui.app.chat_screen import ChatScreen
    from neuro_tui.app.help_screen import HelpScreen
    from neuro_tui.app.log_screen import LogScreen
    from neuro_tui.app.model_screen import ModelScreen
    from neuro_tui.app.paste_offer import PasteOffer
    from neuro_tui.app.sessions_screen import SessionsScreen
    from neuro_tui.app.source_viewer import SourceViewer
    from neuro_tui.app.sources_pane import SourcesPane

    chat = [Binding(key, "", what) for key, what in ChatInput.KEY_HELP]
    screen = [b for b in ChatScreen.BINDINGS if not b.action.startswith("app.")]
    return [
        ("Everywhere", NeuroApp.BINDINGS), ("Chat", screen),
        ("Chat input", chat),
        ("Sources pane", SourcesPane.BINDINGS), ("Source viewer", SourceViewer.BINDINGS),
        ("Saved chats (F5)", SessionsScreen.BINDINGS), ("Model (F10)", ModelScreen.BINDINGS),
        ("Log (F3)", LogScreen.BINDINGS), ("Help (F1)", HelpScreen.BINDINGS),
        ("Message too long", PasteOffer.BINDINGS),
    ]


def _pretty(keys: str) -> str:
    def one(key: str) -> str:
        parts = key.split("+")
        return "+".join(p.capitalize() if len(p) > 1 else p.upper() if p.isalpha() and
                        len(parts) > 1 else p for p in parts).replace("Pageup", "PgUp").replace(
                            "Pagedown", "PgDn").replace("Escape", "Esc")
    return ", ".join(one(k.strip()) for k in keys.split(","))


def key_rows() -> list[tuple[str, str, str]]:
    """(context, keys, what it does) for every binding, digits folded into one row."""
    rows: list[tuple[str, str, str]] = []
    for context, bindings in _contexts():
        seen_numbers = False
        for binding in bindings:
            action = binding.action
            if action.startswith("select_number"):
                if seen_numbers:
                    continue
                seen_numbers, keys, action = True, "1-9", "select_number"
            else:
                keys = _pretty(binding.key)
            what = DETAILS.get(action, binding.description) if action else binding.description
            rows.append((context, keys, what))
    return rows


def undocumented_actions() -> list[str]:
    return sorted({b.action.split("(")[0] if b.action.startswith("select_number") else b.action
                   for _, bindings in _contexts() for b in bindings
                   if b.action and b.action not in DETAILS
                   and not b.action.startswith("select_number")})


def keys_markdown() -> str:
    lines = ["# Keys", "",
             "<!-- generated by docs/gen_reference.py from the app's bindings: do not edit -->",
             "", "Every action is also in the command palette (Ctrl+P). The mouse works but is",
             "never needed.", ""]
    context = None
    for where, keys, what in key_rows():
        if where != context:
            context = where
            lines += ["", f"## {where}", "", "| key | does |", "|---|---|"]
        lines.append(f"| {keys} | {what} |")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"
