"""The chat: one ChatService, its transcript, and the panes that show it.

The screen owns the state; widgets are bound to it (`data_bind`) and render it:
`transcript` (the chat core's immutable Transcript, replaced on every event),
`selected_turn` (whose sources the sources pane shows), `engine` (the state label),
`web`, `problem` (what to do after a failure) and `job_note` (the last line of a
download, build or indexing job, app/jobs.py).
One worker consumes `ChatService.run()` for the screen's lifetime and posts each event as
a message; answer text is coalesced into one message per frame. The only timer samples
llama-cli's RSS/CPU.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer

from neuro_tui.app import grounding_marks, long_chat, turn_notes
from neuro_tui.app.answer_stream import AnswerStreamed, forward
from neuro_tui.app.chat_input import ChatInput
from neuro_tui.app.jobs import Jobs
from neuro_tui.app.markdown_log import MarkdownLog
from neuro_tui.app.model_pane import ModelPane
from neuro_tui.app.prefill_clock import PrefillClock
from neuro_tui.app.sources_pane import SourcesPane
from neuro_tui.app.status_line import StatusLine
from neuro_tui.app.timing_overlay import TimingOverlay
from neuro_tui.app.transcript_view import TranscriptView
from neuro_tui.app.welcome import Welcome
from neuro_tui.chat import events as ev
from neuro_tui.chat.transcript import Transcript, Turn

CODE = re.compile(r"```[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
LIVE_S = 0.25  # the overlay's live figures, at most this often while an answer streams


class ChatScreen(Screen):
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

    @dataclass
    class EngineEvent(Message):
        """One ChatService event (answer text goes as AnswerStreamed)."""

        event: ev.ChatEvent

    AnswerStreamed = AnswerStreamed  # answer text, coalesced per frame (answer_stream.py)

    transcript: reactive[Transcript] = reactive(Transcript, init=False)
    selected_turn: reactive[int | None] = reactive(None, init=False)
    engine: reactive[str] = reactive("starting", init=False)
    web: reactive[bool] = reactive(False, init=False)
    problem: reactive[str] = reactive("", init=False)
    job_note: reactive[str] = reactive("", init=False)
    loaded = reactive(None, init=False)  # the last EngineStarting/EngineReady
    prefill: reactive[PrefillClock | None] = reactive(None, init=False)  # llama-cli reading
    marks: reactive[dict] = reactive(dict, init=False)  # turn -> grounding of its answer

    def __init__(self, service, config, *, resumed: bool = False) -> None:
        super().__init__()
        self.service = service
        self.config = config
        self.resumed = resumed
        self._started_at: float | None = None
        self._live_at = 0.0
        self._shown: set[int] = set()  # turns whose question is on screen
        self.dropped: frozenset[int] = frozenset()  # out of the model's view (policy)
        self._plans: dict[int, dict] = {}  # turn -> prefill figures (SourcesFound.plan)
        self.set_reactive(ChatScreen.transcript, service.transcript)
        self.set_reactive(ChatScreen.web, bool(service.web))

    def compose(self) -> ComposeResult:
        bound = (ChatScreen.transcript, ChatScreen.engine, ChatScreen.web)
        with Horizontal(id="main"):
            with Vertical(id="chat"):
                with VerticalScroll(id="transcript"):
                    yield Welcome(id="welcome").data_bind(*bound, ChatScreen.loaded)
                    yield TranscriptView(id="log")
                yield StatusLine(id="status").data_bind(*bound, ChatScreen.problem,
                                                        ChatScreen.selected_turn,
                                                        ChatScreen.prefill)
                yield ChatInput(id="input")
            with Vertical(id="side"):
                yield ModelPane(id="model")
                yield SourcesPane(id="sources").data_bind(
                    ChatScreen.transcript, ChatScreen.selected_turn, ChatScreen.web,
                    ChatScreen.marks)
        yield TimingOverlay(id="timing")
        yield Jobs()
        yield Footer()

    @property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    def on_mount(self) -> None:
        self.query_one("#transcript").anchor()
        self.query_one(ChatInput).focus()
        self.query_one(TimingOverlay).display = False
        if not self.config.side_panes:
            self.add_class("-hide-side")
        transcript = self.service.transcript
        self.marks = {t.number: g for t in transcript.turns
                      if (g := grounding_marks.ground_turn(t)) is not None}
        self.view.restore(transcript, self.resumed, self.marks)
        if with_sources := [t.number for t in transcript.turns if t.sources]:
            self.selected_turn = with_sources[-1]
        self._show_engine()
        self.set_interval(0.5, self._sample)
        self.consume()

    async def on_unmount(self) -> None:
        await self.service.close()

    # -- the service's events ---------------------------------------------------------
    @work(exclusive=True, group="chat", exit_on_error=False)
    async def consume(self) -> None:
        await forward(self.service.run(), self.post_message, ChatScreen.EngineEvent)

    def on_worker_state_changed(self, event) -> None:
        if event.worker.group == "chat" and event.worker.error is not None:
            self.problem = f"the chat stopped: {event.worker.error!r} (Ctrl+Q, then --resume)"
            self.view.note(self.problem, "bold red")

    def on_answer_streamed(self, message: AnswerStreamed) -> None:
        text = message.take()
        self.set_reactive(ChatScreen.transcript, self.service.transcript)  # no watchers
        self.view.stream(message.turn, text)
        self.engine, self.prefill = "generating", None
        if time.monotonic() - self._live_at > LIVE_S:
            self._live_at = time.monotonic()
            self._show_engine(models=False)

    @on(EngineEvent)
    def _apply(self, message: EngineEvent) -> None:
        self.transcript = self.service.transcript
        event, view = message.event, self.view
        match event:
            case ev.EngineStarting():
                self.loaded, self.engine, self._started_at = event, "loading", time.monotonic()
            case ev.EngineReady():
                self.loaded, self.engine, self.problem = event, "ready", ""
                if event.notice:
                    view.note(f"({event.notice})")
            case ev.EngineFailed():
                self.engine = turn_notes.FAILED_STATE.get(event.kind, event.kind)
                self.problem = turn_notes.RECOVER.get(event.kind, event.kind)
                view.failed(event.kind, event.message, event.hint, event.log_tail)
            case ev.EngineClosed():
                self.engine = "closed"
            case ev.TurnQueued() if event.turn not in self._shown:
                self._show_queued(event.turn, event.question, event.waiting)
            case ev.MessageRefused():
                view.note(f"(not sent: {event.message})", "bold yellow")
                if event.reason == "too_long" and event.text:
                    from neuro_tui.app.paste_offer import offer_to_index

                    offer_to_index(self, event)
            case ev.TurnStatusChanged():
                self.engine, self.selected_turn = event.status.value, event.turn
                if event.status is ev.TurnStatus.PREFILL:  # the prompt was just sent
                    self.prefill = PrefillClock.from_plan(event.turn,
                                                          self._plans.pop(event.turn, None))
            case ev.SourcesFound():
                self.selected_turn = event.turn
                if event.plan:
                    self._plans[event.turn] = event.plan
                # its notes come again as Notice events (chat/turn_runner.py): toasted there
            case ev.ContextFilling():
                self.notify(f"context {event.ctx_used}/{event.ctx_size}: older turns will be "
                            "dropped", severity="warning")
            case ev.TurnEnded():
                self.engine = "stopped" if event.status is ev.TurnStatus.STOPPED else "ready"
                self.prefill = None
                turn = self.transcript.at(event.turn)
                grounding = grounding_marks.ground_turn(turn)  # ~2 ms: once per turn
                if grounding is not None:
                    self.marks = {**self.marks, event.turn: grounding}
                view.ended(turn, grounding)
            case ev.TurnsDropped():
                self.dropped = frozenset(event.dropped)
                view.note(long_chat.dropped_note(event), "bold yellow")
            case ev.Notice():
                self.notify(event.text, severity="information" if event.level == "info"
                            else event.level)
                for line in event.log_tail[-5:]:
                    view.note(f"  {line}", "red")
        self._show_engine()

    # -- the engine's figures -----------------------------------------------------------
    def _sample(self) -> None:
        """The one periodic job: llama-cli's RSS/CPU, also between turns (idle CPU)."""
        session = self.service.session
        if session is not None and hasattr(session, "sample_process"):
            session.sample_process()
        self._show_engine()

    def _show_engine(self, models: bool = True) -> None:
        session = self.service.session
        spec, stats = getattr(session, "spec", None), getattr(session, "stats", None)
        self.query_one(TimingOverlay).show(stats, self.engine, self.prefill)
        if not models:
            return
        note = "" if spec is not None else f"(model: {self.config.model})"
        if self.engine == "loading" and self._started_at is not None:
            note = f"{time.monotonic() - self._started_at:.0f} s"
        self.query_one(ModelPane).show(spec, self.engine, stats, note, self.job_note)

    def watch_job_note(self) -> None:
        self._show_engine()

    # -- what widgets report ------------------------------------------------------------
    def on_chat_input_submitted(self, message: ChatInput.Submitted) -> None:
        self.submit(message.text)

    def submit(self, text: str) -> None:
        """The question shows at once (from the transcript submit() just changed); a
        refusal comes back as a MessageRefused event."""
        number = self.service.submit(text)
        turn = self.service.transcript.at(number) if number is not None else None
        if turn is not None:
            waiting = sum(1 for t in self.service.transcript.pending if t.number < number)
            self._show_queued(number, turn.question, waiting)
            self.transcript = self.service.transcript

    def _show_queued(self, number: int, question: str, waiting: int) -> None:
        self._shown.add(number)
        self.view.queued(number, question, turn_notes.queued_note(self.engine, waiting))

    def on_markdown_log_citation_clicked(self, message: MarkdownLog.CitationClicked) -> None:
        self.selected_turn = message.turn
        if self.query_one(SourcesPane).select_number(message.number) is None:
            self.notify(f"answer {message.turn} has no source [{message.number}]",
                        severity="warning")

    def on_markdown_log_turn_clicked(self, message: MarkdownLog.TurnClicked) -> None:
        self.selected_turn = message.turn

    def on_jobs_progressed(self, message: Jobs.Progressed) -> None:
        from neuro_tui.app.model_screen import ModelScreen

        # a finished build starts the chat (nothing left to say); a download's last line
        # says how to use the model, so it stays in the model pane
        done_building = message.finished and message.ok and message.job == "runtime"
        self.job_note = "" if done_building else message.text
        if isinstance(self.app.screen, ModelScreen) and message.job == "download":
            self.app.screen.show_progress(message.text, message.done, message.total)
        if message.finished:
            self.notify(message.text, severity="information" if message.ok else "error")
            if message.ok and message.job == "runtime":
                self.service.restart()

    # -- keys ---------------------------------------------------------------------------
    async def action_stop(self) -> None:
        await self.service.stop()

    async def action_stop_or_hint(self) -> None:
        if await self.service.stop():
            return
        chat_input = self.query_one(ChatInput)
        if self.focused is chat_input and chat_input.selected_text:
            self.app.copy_to_clipboard(chat_input.selected_text)
        else:
            self.notify("nothing to stop · Ctrl+Q quits")

    def action_toggle_timing(self) -> None:
        overlay = self.query_one(TimingOverlay)
        overlay.display = not overlay.display
        self._show_engine(models=False)

    def action_log(self) -> None:
        from neuro_tui.app.log_screen import LogScreen

        self.app.push_screen(LogScreen(getattr(self.service.session, "log_path", None)))

    def action_toggle_side(self) -> None:
        shown = self.query_one("#side").display
        self.set_class(shown, "-hide-side")
        self.set_class(not shown, "-show-side")
        self.query_one(StatusLine).refresh()

    def action_sessions(self) -> None:
        from neuro_tui.app.sessions_screen import SessionsScreen

        def chosen(chat_id: str | None) -> None:
            if not chat_id:
                return
            if self.service.state == "answering":
                self.notify("stop the answer first (Esc)", severity="warning")
            else:
                self.app.switch_chat(chat_id)

        self.app.push_screen(SessionsScreen(), chosen)

    def _answered(self) -> Turn | None:
        return next((t for t in reversed(self.service.transcript.turns) if t.answer), None)

    def action_select_text(self) -> None:
        long_chat.open_selection(self, self.dropped)

    def action_copy_answer(self) -> None:
        if (turn := self._answered()) is not None:
            self.app.copy_to_clipboard(turn.answer)
            self.notify("answer copied")

    def action_copy_code(self) -> None:
        turn = self._answered()
        blocks = CODE.findall(turn.answer) if turn is not None else []
        if blocks:
            self.app.copy_to_clipboard(blocks[-1])
            self.notify("code block copied")
        else:
            self.notify("no code block in the last answer")

    def action_toggle_web(self) -> None:
        self.service.set_web(not self.service.web)
        self.web = bool(self.service.web)
        provider = "your SearXNG" if str(self.config.web_provider).lower() == "searxng" \
            else "DuckDuckGo"
        self.notify(f"web search ON: questions are sent to {provider}" if self.web
                    else "web search off", severity="warning" if self.web else "information")

    def action_grounding(self) -> None:
        self.query_one(SourcesPane).list_marks()

    def action_edit_last(self) -> None:
        if (last := self.service.transcript.last) is not None:
            chat_input = self.query_one(ChatInput)
            chat_input.load_text(last.question)
            chat_input.focus()

    def action_regenerate(self) -> None:
        last = self.service.transcript.last
        if last is not None and last.finished and self.service.state != "answering":
            self.submit(last.question)

    def action_restart(self) -> None:
        self.service.restart()

    def action_model_settings(self) -> None:
        from neuro_tui.app.model_screen import ModelScreen

        def apply(changes: dict | None) -> None:
            if changes:
                for key, value in changes.items():
                    self.config.set(key, value, "model pane")
                self.notify("restarting llama-cli with: " + ", ".join(changes))
                self.service.restart(self.config)

        self.app.push_screen(ModelScreen(self.config, self.query_one(Jobs).download), apply)

    def action_install_runtime(self) -> None:
        from neuro_tui.app import runtime_install

        choice = runtime_install.runtime_to_build(self.config)
        if runtime_install.installed(choice) and self.service.state not in ("failed", "idle"):
            self.notify(f"{choice.what} is already installed")
            return
        self.query_one(Jobs).build_runtime(choice)

    def action_sources_step(self, step: int) -> None:
        """Show the sources of the previous/next answer that had any."""
        turns = [t.number for t in self.transcript.turns if t.sources]
        if not turns:
            return
        current = self.selected_turn if self.selected_turn in turns else turns[-1]
        self.selected_turn = turns[max(0, min(len(turns) - 1, turns.index(current) + step))]

    def action_scroll_transcript(self, pages: int) -> None:
        """Page through the chat without leaving the input (Tab also focuses it)."""
        transcript = self.query_one("#transcript")
        if pages < 0:
            transcript.scroll_page_up(animate=False)
        else:
            transcript.scroll_page_down(animate=False)
