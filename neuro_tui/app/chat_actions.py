"""The chat's keys: its BINDINGS (in footer order) and what each does.

Each function is one of the ChatScreen's actions (`action_stop = chat_actions.stop` in its
class body), so it runs with the screen as `screen`: the state it reads and changes is the
screen's (service, config, selected turn), never kept here. No mixin: the screen lists
every action it has.
"""

from __future__ import annotations

import re

from textual.binding import Binding

from neuro_tui.chat.transcript import Turn

BINDINGS = [
    # the App's own keys, repeated first so the footer shows them first (also at 80x24)
    Binding("ctrl+q", "app.quit", "Quit", priority=True),
    Binding("f1", "app.help", "Help"),
    Binding("ctrl+c", "stop_or_hint", "Stop", priority=True, show=False),
    Binding("escape", "stop", "Stop", show=False),
    Binding("f2", "toggle_timing", "Timing"),
    Binding("f3", "log", "Log"),
    Binding("f4", "toggle_side", "Panes"),
    Binding("f5", "sessions", "Sessions"),
    Binding("f6", "copy_answer", "Copy", show=False, priority=True),  # over TextArea f6
    Binding("f7", "copy_code", "Copy code", show=False, priority=True),
    Binding("f8", "toggle_web", "Web"),
    Binding("f9", "edit_last", "Edit last", show=False),
    Binding("ctrl+l", "grounding", "Citations", show=False),
    Binding("ctrl+s", "select_text", "Select", show=False),  # select/copy/fork: #16
    Binding("ctrl+r", "regenerate", "Regenerate", show=False),
    Binding("ctrl+n", "restart", "Restart model", show=False),
    Binding("f10", "model_settings", "Model"),
    Binding("ctrl+g", "install_runtime", "Build llama-cli", show=False),
    Binding("shift+pageup", "scroll_transcript(-1)", "Scroll up", show=False),
    Binding("shift+pagedown", "scroll_transcript(1)", "Scroll down", show=False),
]

CODE = re.compile(r"```[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)


async def stop(screen) -> None:
    await screen.service.stop()


def copy_selection(screen, clear: bool = False) -> bool:
    """A mouse drag's text (Textual's screen selection) to the clipboard (OSC 52)."""
    text = screen.get_selected_text()
    if not text:
        return False
    screen.app.copy_to_clipboard(text)
    if clear:
        screen.clear_selection()
    answering = screen.service.state == "answering"
    screen.notify(f"copied {len(text)} characters" + (" · Esc stops the answer" if answering
                                                       else ""))
    return True


async def stop_or_hint(screen) -> None:
    """Ctrl+C as in a terminal: with a selection it copies and drops the selection (as
    Windows Terminal does: a second Ctrl+C stops), without one it stops."""
    if copy_selection(screen, clear=True) or await screen.service.stop():
        return
    chat_input = screen.query_one("ChatInput")
    if screen.focused is chat_input and chat_input.selected_text:
        screen.app.copy_to_clipboard(chat_input.selected_text)
    else:
        screen.notify("nothing to stop · Ctrl+Q quits")


def toggle_timing(screen) -> None:
    screen.monitor.toggle_timing()


def toggle_side(screen) -> None:
    shown = screen.query_one("#side").display
    screen.set_class(shown, "-hide-side")
    screen.set_class(not shown, "-show-side")
    screen.query_one("StatusLine").refresh()


def restart(screen) -> None:
    screen.service.restart()


def open_log(screen) -> None:
    from neuro_tui.app.log_screen import LogScreen

    screen.app.push_screen(LogScreen(getattr(screen.service.session, "log_path", None)))


def open_sessions(screen) -> None:
    """F5; Enter there resumes a chat, a search result (`/`) opens it at its turn."""
    from neuro_tui.app.sessions_screen import SessionsScreen

    def chosen(choice: str | tuple[str, int] | None) -> None:
        if not choice:
            return
        chat_id, turn = choice if isinstance(choice, tuple) else (choice, None)
        if screen.service.state == "answering":
            screen.notify("stop the answer first (Esc)", severity="warning")
        else:
            screen.app.switch_chat(chat_id, turn)

    screen.app.push_screen(SessionsScreen(), chosen)


def open_model_settings(screen) -> None:
    from neuro_tui.app.jobs import Jobs
    from neuro_tui.app.model_screen import ModelScreen

    def apply(changes: dict | None) -> None:
        if changes:
            for key, value in changes.items():
                screen.config.set(key, value, "model pane")
            screen.notify("restarting llama-cli with: " + ", ".join(changes))
            screen.service.restart(screen.config)

    policy = getattr(screen.service.policy, "name", None)  # a resumed chat keeps its own
    shown = {"context_policy": policy} if policy else None
    screen.app.push_screen(ModelScreen(screen.config, screen.query_one(Jobs).download, shown),
                           apply)


def install_runtime(screen) -> None:
    from neuro_tui.app import runtime_install
    from neuro_tui.app.jobs import Jobs

    choice = runtime_install.runtime_to_build(screen.config)
    if runtime_install.installed(choice) and screen.service.state not in ("failed", "idle"):
        screen.notify(f"{choice.what} is already installed")
        return
    screen.query_one(Jobs).build_runtime(choice)


def job_progressed(screen, message) -> None:
    """A download/build/indexing line: into the model pane (and the model screen's bar)."""
    from neuro_tui.app.model_screen import ModelScreen

    # a finished build starts the chat (nothing left to say); a download's last line
    # says how to use the model, so it stays in the model pane
    done_building = message.finished and message.ok and message.job == "runtime"
    screen.job_note = "" if done_building else message.text
    if isinstance(screen.app.screen, ModelScreen) and message.job == "download":
        screen.app.screen.show_progress(message.text, message.done, message.total)
    if message.finished:
        screen.notify(message.text, severity="information" if message.ok else "error")
        if message.ok and message.job == "runtime":
            screen.service.restart()


def last_answered(transcript) -> Turn | None:
    return next((t for t in reversed(transcript.turns) if t.answer), None)


def copy_answer(screen) -> None:
    """F6: the selection if there is one, else the last answer."""
    if copy_selection(screen):
        return
    if (turn := last_answered(screen.service.transcript)) is not None:
        screen.app.copy_to_clipboard(turn.answer)
        screen.notify("answer copied")


def copy_code(screen) -> None:
    turn = last_answered(screen.service.transcript)
    blocks = CODE.findall(turn.answer) if turn is not None else []
    if blocks:
        screen.app.copy_to_clipboard(blocks[-1])
        screen.notify("code block copied")
    else:
        screen.notify("no code block in the last answer")


def toggle_web(screen) -> None:
    screen.service.set_web(not screen.service.web)
    screen.web = bool(screen.service.web)
    provider = "your SearXNG" if str(screen.config.web_provider).lower() == "searxng" \
        else "DuckDuckGo"
    screen.notify(f"web search ON: questions are sent to {provider}" if screen.web
                  else "web search off", severity="warning" if screen.web else "information")


def grounding(screen) -> None:
    screen.query_one("SourcesPane").list_marks()


def select_text(screen) -> None:
    from neuro_tui.app import long_chat

    long_chat.open_selection(screen, screen.dropped)


def edit_last(screen) -> None:
    if (last := screen.service.transcript.last) is not None:
        chat_input = screen.query_one("ChatInput")
        chat_input.load_text(last.question)
        chat_input.focus()


def regenerate(screen) -> None:
    last = screen.service.transcript.last
    if last is not None and last.finished and screen.service.state != "answering":
        screen.submit(last.question)


def sources_step(screen, step: int) -> None:
    """Show the sources of the previous/next answer that had any."""
    turns = [t.number for t in screen.transcript.turns if t.sources]
    if not turns:
        return
    current = screen.selected_turn if screen.selected_turn in turns else turns[-1]
    screen.selected_turn = turns[max(0, min(len(turns) - 1, turns.index(current) + step))]


def scroll_transcript(screen, pages: int) -> None:
    """Page through the chat without leaving the input (Tab also focuses it)."""
    transcript = screen.query_one("#transcript")
    if pages < 0:
        transcript.scroll_page_up(animate=False)
    else:
        transcript.scroll_page_down(animate=False)
