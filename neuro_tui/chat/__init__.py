"""The chat core: one UI-free ChatService and Transcript for the TUI, `ask` and `chat --plain`.

Data path: ChatService.submit(text) -> queue -> retrieval -> engine (ChatSession) -> typed
events (chat/events.py) -> Transcript.apply (chat/transcript.py) -> chat store on disk and
whoever iterates ChatService.run(). Never imports textual (tests/unit/test_boundary.py).
"""
