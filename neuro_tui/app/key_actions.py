"""What the keys do (mixed into NeuroApp); every one is also in the command palette."""

from __future__ import annotations

import re

from neuro_tui.app.chat_pane import ChatPane

CODE = re.compile(r"```[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)


class KeyActions:
    async def action_stop(self) -> None:
        await self.conversation.stop()

    async def action_stop_or_hint(self) -> None:
        if await self.conversation.stop():
            return
        chat_input = self.query_one(ChatPane).input
        if self.focused is chat_input and chat_input.selected_text:
            self.copy_to_clipboard(chat_input.selected_text)
        else:
            self.notify("nothing to stop · Ctrl+Q quits")

    def action_help(self) -> None:
        from neuro_tui.app.help_screen import HelpScreen

        self.push_screen(HelpScreen())

    def action_toggle_timing(self) -> None:
        overlay = self.query_one("#timing")
        overlay.display = not overlay.display
        overlay.tick()

    def action_log(self) -> None:
        from neuro_tui.app.log_screen import LogScreen

        self.push_screen(LogScreen(getattr(self.session, "log_path", None)))

    def action_toggle_side(self) -> None:
        screen = self.screen
        shown = self.query_one("#side").display
        screen.set_class(shown, "-hide-side")
        screen.set_class(not shown, "-show-side")

    def action_sessions(self) -> None:
        from neuro_tui.app.sessions_screen import SessionsScreen

        def chosen(session_id: str | None) -> None:
            if session_id:
                self.resume_chat(session_id)

        self.push_screen(SessionsScreen(), chosen)

    def action_copy_answer(self) -> None:
        if self.answers:
            self.copy_to_clipboard(self.answers[max(self.answers)])
            self.notify("answer copied")

    def action_copy_code(self) -> None:
        blocks = CODE.findall(self.answers[max(self.answers)]) if self.answers else []
        if blocks:
            self.copy_to_clipboard(blocks[-1])
            self.notify("code block copied")
        else:
            self.notify("no code block in the last answer")

    def action_toggle_web(self) -> None:
        self.conversation.web = not self.conversation.web
        self.notify("web search ON: questions are sent to DuckDuckGo" if self.conversation.web
                    else "web search off", severity="warning" if self.conversation.web
                    else "information")
        self.refresh_panes()

    def action_edit_last(self) -> None:
        if self.questions:
            chat_input = self.query_one(ChatPane).input
            chat_input.load_text(self.questions[max(self.questions)])
            chat_input.focus()

    def action_regenerate(self) -> None:
        if self.questions and not self.conversation.busy:
            self.send(self.questions[max(self.questions)])

    def action_model_settings(self) -> None:
        from neuro_tui.app.model_screen import ModelScreen

        def apply(changes: dict | None) -> None:
            if changes:
                for key, value in changes.items():
                    self.config.set(key, value, "model pane")
                self.notify("restarting llama-cli with: " + ", ".join(changes))
                self.action_restart()

        self.push_screen(ModelScreen(self.config), apply)

    def action_restart(self) -> None:
        from neuro_tui import sessions

        turns = []
        for turn in sorted(self.questions):
            turns.append(sessions.Message("user", self.questions[turn]))
            turns.append(sessions.Message("assistant", self.answers.get(turn, "")))
        recap = sessions.recap(turns) or None
        self.run_worker(self.conversation.restart(recap), group="session", exclusive=True)

    def action_next_theme(self) -> None:
        names = sorted(self.available_themes)
        self.theme = names[(names.index(self.theme) + 1) % len(names)]
        self.notify(f"theme: {self.theme}")

    def action_sources_step(self, step: int) -> None:
        """Show the sources of the previous/next answer that had any."""
        from neuro_tui.app.sources_pane import SourcesPane

        turns = sorted(t for t, found in self.sources.items() if found)
        if not turns:
            return
        current = self.selected_turn if self.selected_turn in turns else turns[-1]
        index = max(0, min(len(turns) - 1, turns.index(current) + step))
        self.selected_turn = turns[index]
        pane = self.query_one(SourcesPane)
        pane.show(self.sources[self.selected_turn])
        pane.border_subtitle = f"answer {self.selected_turn} · {len(pane.sources)}"

    def action_scroll_transcript(self, pages: int) -> None:
        """Page through the chat without leaving the input (Tab also focuses it)."""
        transcript = self.query_one("#transcript")
        if pages < 0:
            transcript.scroll_page_up(animate=False)
        else:
            transcript.scroll_page_down(animate=False)
