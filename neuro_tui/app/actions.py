"""What the conversation's messages do to the screen (mixed into NeuroApp)."""

from __future__ import annotations

from neuro_tui.app import messages as m
from neuro_tui.app.chat_pane import ChatPane
from neuro_tui.app.safe_text import StreamCleaner, clean
from neuro_tui.app.sources_pane import SourcesPane
from neuro_tui.app.timing_overlay import TimingOverlay

RECOVER = {
    "missing": "model or runtime missing: F10 picks/downloads a model; Ctrl+G builds "
               "llama-cli (bitnet.cpp's for a BitNet model; a few minutes, once)",
    "load": "llama-cli failed to load: F3 shows its log, Ctrl+N retries",
    "crash": "llama-cli crashed: F3 shows its log, Ctrl+N restarts it (transcript kept)",
    "hang": "llama-cli stopped answering: Ctrl+N restarts it (transcript kept)",
}


def stats_note(stop_reason: str | None, stats: dict | None) -> str:
    """The line under an answer: how it ended and how fast it came ("~" = estimate)."""
    stats, parts = stats or {}, []
    if stop_reason == "interrupted":
        parts.append("stopped")
    elif stop_reason == "max_tokens":
        parts.append("cut at max tokens")
    if stats.get("tokens"):
        parts.append(f"{'' if stats.get('tokens_exact') else '~'}{stats['tokens']} tokens")
    if stats.get("tok_s"):
        parts.append(f"{stats['tok_s']:.1f} tok/s")
    if stats.get("ttft_ms") is not None:
        parts.append(f"TTFT {stats['ttft_ms']:.0f} ms")
    return " · ".join(parts)


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
        self.refresh_panes()

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
        note = stats_note(event.stop_reason, event.stats)
        if note:
            log.add_note(note, event.turn)
        self.refresh_panes()
        self.query_one(TimingOverlay).tick()  # final figures now, not at the next 1/4 s tick

    def on_session_loaded(self, _event: m.SessionLoaded) -> None:
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
                if note := stats_note(msg.stop_reason, msg.stats):
                    log.add_note(note, turn)
        self.conversation.turn = turn
        log.add_note(f"(resumed chat {info.id}: the model was given a recap)", turn)
