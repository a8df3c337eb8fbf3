"""The chat: one ChatService, its transcript, and the panes that show it.

The screen owns the state (the reactives below); widgets are bound to it (`data_bind`) and
render it. One worker consumes `ChatService.run()` for the screen's lifetime and posts each
event as a message (answer text coalesced per frame, app/answer_stream.py); `_apply` turns
each into state, TranscriptView.show_event into lines. Beside it: app/chat_actions.py (the
keys), app/engine_monitor.py (model pane, timing overlay, the RSS/CPU tick),
app/typing_warm.py (prefill while typing).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer

from neuro_tui.app import chat_actions, grounding_marks, turn_notes
from neuro_tui.app.answer_stream import AnswerStreamed, forward
from neuro_tui.app.chat_input import ChatInput
from neuro_tui.app.engine_monitor import EngineMonitor
from neuro_tui.app.jobs import Jobs
from neuro_tui.app.markdown_log import MarkdownLog
from neuro_tui.app.model_pane import ModelPane
from neuro_tui.app.prefill_clock import PrefillClock
from neuro_tui.app.sources_pane import SourcesPane
from neuro_tui.app.status_line import StatusLine
from neuro_tui.app.timing_overlay import TimingOverlay  # drawn here, shown by the monitor
from neuro_tui.app.transcript_view import TranscriptView
from neuro_tui.app.typing_warm import TypingWarm
from neuro_tui.app.welcome import Welcome
from neuro_tui.chat import events as ev
from neuro_tui.chat.transcript import Transcript


class ChatScreen(Screen):
    BINDINGS = chat_actions.BINDINGS  # the keys, in footer order; what they do:
    action_stop, action_stop_or_hint = chat_actions.stop, chat_actions.stop_or_hint
    action_toggle_timing = chat_actions.toggle_timing
    action_log, action_toggle_side = chat_actions.open_log, chat_actions.toggle_side
    action_sessions = chat_actions.open_sessions
    action_copy_answer, action_copy_code = chat_actions.copy_answer, chat_actions.copy_code
    action_toggle_web, action_edit_last = chat_actions.toggle_web, chat_actions.edit_last
    action_grounding, action_select_text = chat_actions.grounding, chat_actions.select_text
    action_regenerate, action_restart = chat_actions.regenerate, chat_actions.restart
    action_model_settings = chat_actions.open_model_settings
    action_install_runtime = chat_actions.install_runtime
    action_sources_step = chat_actions.sources_step  # from the sources pane's keys
    action_scroll_transcript = chat_actions.scroll_transcript

    @dataclass
    class EngineEvent(Message):
        """One ChatService event (answer text goes as AnswerStreamed)."""

        event: ev.ChatEvent

    AnswerStreamed = AnswerStreamed  # answer text, coalesced per frame (answer_stream.py)

    transcript: reactive[Transcript] = reactive(Transcript, init=False)
    selected_turn: reactive[int | None] = reactive(None, init=False)  # its sources shown
    engine: reactive[str] = reactive("starting", init=False)
    web: reactive[bool] = reactive(False, init=False)
    problem: reactive[str] = reactive("", init=False)  # what to do after a failure
    job_note: reactive[str] = reactive("", init=False)  # a download's/build's last line
    loaded = reactive(None, init=False)  # the last EngineStarting/EngineReady
    prefill: reactive[PrefillClock | None] = reactive(None, init=False)  # llama-cli reading
    marks: reactive[dict] = reactive(dict, init=False)  # turn -> grounding of its answer

    def __init__(self, service, config, *, resumed: bool = False,
                 at_turn: int | None = None) -> None:
        """`at_turn`: open scrolled to that turn and selecting it (a search result)."""
        super().__init__()
        self.service = service
        self.config = config
        self.resumed = resumed
        self.at_turn = at_turn
        drops = service.transcript.drops  # a resumed chat's saved marks: the newest holds
        self.dropped = frozenset(drops[-1].dropped if drops else ())  # turns out of view
        self._plans: dict[int, dict] = {}  # turn -> prefill figures (SourcesFound.plan)
        self.set_reactive(ChatScreen.transcript, service.transcript)
        self.set_reactive(ChatScreen.web, bool(service.web))

    def compose(self) -> ComposeResult:
        bound = (ChatScreen.transcript, ChatScreen.engine, ChatScreen.web)
        with Horizontal(id="main"):
            with Vertical(id="chat"):
                with VerticalScroll(id="transcript"):
                    yield Welcome(id="welcome").data_bind(*bound, ChatScreen.loaded)
                    yield TranscriptView(id="log").data_bind(ChatScreen.selected_turn)
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
        yield EngineMonitor(self.service, self.config).data_bind(
            ChatScreen.engine, ChatScreen.prefill, ChatScreen.job_note)
        yield TypingWarm(self.service, self.config)
        yield Jobs()
        yield Footer()

    @property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    @property
    def monitor(self) -> EngineMonitor:
        return self.query_one(EngineMonitor)

    def on_mount(self) -> None:
        self.query_one("#transcript").anchor()
        self.query_one(ChatInput).focus()
        if not self.config.side_panes:
            self.add_class("-hide-side")
        transcript = self.service.transcript
        self.marks = {t.number: g for t in transcript.turns
                      if (g := grounding_marks.ground_turn(t)) is not None}
        self.view.restore(transcript, self.resumed, self.marks)
        if with_sources := [t.number for t in transcript.turns if t.sources]:
            self.selected_turn = with_sources[-1]
        if self.at_turn is not None and transcript.at(self.at_turn) is not None:
            self.selected_turn = self.at_turn
            self.call_after_refresh(self.view.scroll_to_turn, self.at_turn)
        self.monitor.show()
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
        self.monitor.streamed()

    @on(EngineEvent)
    def _apply(self, message: EngineEvent) -> None:
        """The event as the screen's state; the transcript view adds its lines."""
        self.transcript = self.service.transcript
        event = message.event
        match event:
            case ev.EngineStarting():
                self.loaded, self.engine = event, "loading"
            case ev.EngineReady():
                self.loaded, self.engine, self.problem = event, "ready", ""
            case ev.EngineFailed():
                self.engine = turn_notes.FAILED_STATE.get(event.kind, event.kind)
                self.problem = turn_notes.RECOVER.get(event.kind, event.kind)
            case ev.EngineClosed():
                self.engine = "closed"
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
                grounding = grounding_marks.ground_turn(self.transcript.at(event.turn))
                if grounding is not None:  # ~2 ms: once per turn
                    self.marks = {**self.marks, event.turn: grounding}
                self.query_one(TypingWarm).answer_ended(self.query_one(ChatInput).text)
            case ev.TurnsDropped():
                self.dropped = frozenset(event.dropped)
            case ev.Notice():
                self.notify(event.text, severity="information" if event.level == "info"
                            else event.level)
        self.view.show_event(event, self.transcript, self.marks, self.engine)
        if isinstance(event, ev.MessageRefused) and event.reason == "too_long" and event.text:
            from neuro_tui.app.paste_offer import offer_to_index

            offer_to_index(self, event)
        self.monitor.show()

    # -- what widgets report ------------------------------------------------------------
    def on_chat_input_submitted(self, message: ChatInput.Submitted) -> None:
        self.submit(message.text)

    def on_chat_input_paused(self, message: ChatInput.Paused) -> None:
        self.query_one(TypingWarm).paused(message.text)  # prefill while typing

    def submit(self, text: str) -> None:
        """The question shows at once (from the transcript submit() just changed); a
        refusal comes back as a MessageRefused event."""
        number = self.service.submit(text)
        turn = self.service.transcript.at(number) if number is not None else None
        if turn is not None:
            self.query_one("#transcript").anchor()  # scrolled up (or opened at a turn): back
            waiting = sum(1 for t in self.service.transcript.pending if t.number < number)
            self.view.queued(number, turn.question,
                             turn_notes.queued_note(self.engine, waiting))
            self.transcript = self.service.transcript


    def on_markdown_log_citation_clicked(self, message: MarkdownLog.CitationClicked) -> None:
        self.selected_turn = message.turn
        if self.query_one(SourcesPane).select_number(message.number) is None:
            self.notify(f"answer {message.turn} has no source [{message.number}]",
                        severity="warning")

    def on_markdown_log_turn_clicked(self, message: MarkdownLog.TurnClicked) -> None:
        self.selected_turn = message.turn

    def on_jobs_progressed(self, message: Jobs.Progressed) -> None:
        chat_actions.job_progressed(self, message)
