"""What the keys and the conversation's messages do (mixed into NeuroApp)."""

from __future__ import annotations

import re

from neuro_tui.app import messages as m
from neuro_tui.app.chat_pane import ChatPane
from neuro_tui.app.safe_text import StreamCleaner, clean
from neuro_tui.app.sources_pane import SourcesPane

CODE = re.compile(r"```[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
RECOVER = {
    "missing": "model or runtime missing: F10 picks/downloads a model; `neuro-tui setup` or "
               "`neuro-tui runtime install` installs llama-cli",
    "load": "llama-cli failed to load: F3 shows its log, Ctrl+N retries",
    "crash": "llama-cli crashed: F3 shows its log, Ctrl+N restarts it (transcript kept)",
    "hang": "llama-cli stopped answering: Ctrl+N restarts it (transcript kept)",
}


class Actions:
    _cleaner = StreamCleaner()
    # -- conversation messages -------------------------------------------------------
    def on_message_submitted(self, event: m.MessageSubmitted) -> None:
        self.send(event.text)

    def send(self, text: str) -> None:
        conv = self.conversation
        turn = conv.turn + len(conv.queue) + 1
        self.questions[turn] = text
        log = self.query_one(ChatPane).log
        log.add_user(text, turn)
        if not conv.submit(text):
            log.add_note("(queued: sent when the model is ready)" if not conv.ready
                         else "(queued: sent after this answer)", turn)
        self.refresh_panes()

    def on_sources_retrieved(self, event: m.SourcesRetrieved) -> None:
        self.sources[event.turn] = event.sources
        self.selected_turn = event.turn
        self.query_one(SourcesPane).show(event.sources)

    def on_answer_started(self, event: m.AnswerStarted) -> None:
        self.answers[event.turn] = ""
        self._cleaner = StreamCleaner()
        if event.turn not in self.sources:
            self.query_one(SourcesPane).show([])
        self.query_one(ChatPane).log.begin_answer(event.turn)

    def on_answer_streamed(self, event: m.AnswerStreamed) -> None:
        text = self._cleaner.feed(event.take())
        self.answers[event.turn] = self.answers.get(event.turn, "") + text
        self.query_one(ChatPane).log.append(text)

    def on_answer_finished(self, event: m.AnswerFinished) -> None:
        log = self.query_one(ChatPane).log
        log.append(self._cleaner.finish())
        log.end_answer()
        self.finished.add(event.turn)
        stats = event.stats or {}
        parts = []
        if event.stop_reason == "interrupted":
            parts.append("stopped")
        elif event.stop_reason == "max_tokens":
            parts.append("cut at max tokens")
        if stats.get("tokens"):
            parts.append(f"{'' if stats.get('tokens_exact') else '~'}{stats['tokens']} tokens")
        if stats.get("tok_s"):
            parts.append(f"{stats['tok_s']:.1f} tok/s")
        if stats.get("ttft_ms") is not None:
            parts.append(f"TTFT {stats['ttft_ms']:.0f} ms")
        if parts:
            log.add_note(" · ".join(parts), event.turn)
        self.refresh_panes()

    def on_session_ready(self, _event: m.SessionReady) -> None:
        self.error = None
        self.refresh_panes()

    def on_session_failed(self, event: m.SessionFailed) -> None:
        self.error = RECOVER.get(event.kind, event.kind)
        log = self.query_one(ChatPane).log
        log.add_note(f"error ({event.kind}): {clean(event.message)}", self.conversation.turn,
                     style="bold red")
        for line in event.log_tail[-5:]:
            log.add_note(f"  {clean(line)}", self.conversation.turn, style="red")
        log.add_note(self.error, self.conversation.turn, style="italic")
        self.refresh_panes()

    def on_citation_clicked(self, event: m.CitationClicked) -> None:
        pane = self.query_one(SourcesPane)
        if self.selected_turn != event.turn:
            self.selected_turn = event.turn
            pane.show(self.sources.get(event.turn, []))
        if pane.select_number(event.number) is None:
            self.notify(f"answer {event.turn} has no source [{event.number}]", severity="warning")

    def on_source_opened(self, event: m.SourceOpened) -> None:
        from neuro_tui.app.source_viewer import SourceViewer
        from neuro_tui.retrieval.query import highlight_terms

        question = self.questions.get(self.selected_turn or 0, "")
        self.push_screen(SourceViewer(event.source, highlight_terms(question)))

    # -- keys ------------------------------------------------------------------------
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

    def resume_chat(self, session_id: str) -> None:
        """Switch to a saved chat: its transcript on screen, a fresh model given a recap."""
        from neuro_tui import sessions

        if self.conversation.busy:
            self.notify("stop the answer first (Esc)", severity="warning")
            return
        info = sessions.find(session_id)
        conv = self.conversation
        if conv.writer is not None:
            conv.writer.close()
            conv.writer = sessions.SessionWriter.resume(info)
        self.query_one(ChatPane).log.clear()
        self.answers, self.sources, self.questions = {}, {}, {}
        self.query_one(SourcesPane).show([])
        self.restore(info)
        conv.queue.clear()
        self.run_worker(conv.restart(sessions.recap(info.messages) or None), group="session",
                        exclusive=True)

    def restore(self, info) -> None:
        """Show a resumed chat's transcript (the model got a recap in its system prompt)."""
        log = self.query_one(ChatPane).log
        turn = 0
        for msg in info.messages:
            if msg.role == "user":
                turn += 1
                self.questions[turn] = msg.content
                log.add_user(msg.content, turn)
            else:
                self.answers[turn] = msg.content
                self.sources[turn] = [m.SourceView(s.get("n", i), s.get("title", ""),
                                                   s.get("location", ""), s.get("score"),
                                                   s.get("kind", "local"), s.get("text", ""))
                                      for i, s in enumerate(msg.sources, 1)]
                log.begin_answer(turn)
                log.append(msg.content)
                log.end_answer()
        self.conversation.turn = turn
        log.add_note(f"(resumed chat {info.id}: the model was given a recap)", turn)
