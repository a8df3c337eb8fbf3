"""How fast the chat renders a streamed answer, vs Textual's MarkdownStream in the same run.

    .venv/bin/python bench/bench_stream_render.py [--tokens 10000] [--answers 100]
        [--answer-tokens 1000] [--baseline-tokens 2500] [--repeat 1]

1. one long answer (default 10k tokens) streamed at full speed: seconds from Enter to the
   final frame (goal <= 5 s); the producer is the real LlamaSession reading the fake
   llama-cli (tests/fakes, FAKE_TOKEN_DELAY=0) through a pty;
2. a chat of N answers (default 100 x 1000 tokens): per-token time of the last answers vs
   the first (goal: ratio ~1.0);
3. the same long-answer text through Textual's MarkdownStream (the baseline), smaller by
   default because it is quadratic; ratios are printed per token.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from stream_text import markdown_text, tokens_of  # noqa: E402

SIZE = (100, 40)


def _isolate() -> None:
    home = Path(tempfile.mkdtemp(prefix="neuro-bench-"))
    os.environ["NEURO_TUI_CONFIG_DIR"] = str(home / "config")
    os.environ["NEURO_TUI_DATA_DIR"] = str(home / "data")


def count_tokens(source: str, text: str) -> int:
    if source == "fake-cli":
        from fake_cli_session import fake_token_count

        return fake_token_count(text)
    return len(tokens_of(text))


def text_for(source: str, target: int, seed: int = 7) -> str:
    """Seeded Markdown with at least `target` tokens as the producer cuts them."""
    size = target
    while True:
        text = markdown_text(size, seed)
        n = count_tokens(source, text)
        if n >= target:
            return text
        size = int(size * target / n) + 50


def make_session(source: str, answers: list[str]):
    from fake_cli_session import fake_cli_session

    return fake_cli_session(answers)


async def stream_ours(source: str, answers: list[str], turns: int | None = None) -> list[float]:
    """Seconds from sending each message to the frame after its last token (answers are
    cycled for `turns` turns: the fake llama-cli takes them in one environment variable)."""
    from neuro_tui import config as config_mod
    from neuro_tui.app.app import create_app
    from neuro_tui.app.chat_screen import ChatScreen
    from neuro_tui.chat import events as ev

    session = make_session(source, answers)
    ended: list[int] = []

    def hook(message) -> None:  # the screen's own messages: nothing polls the app
        if isinstance(message, ChatScreen.EngineEvent) and isinstance(message.event,
                                                                      ev.TurnEnded):
            ended.append(message.event.turn)

    app = create_app(config_mod.load({}), lambda _c: session, retriever=None)
    times: list[float] = []
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        service = app.chat.service
        while service.state != "ready":
            if service.state == "failed":
                raise SystemExit(f"session failed: {app.chat.problem}")
            await pilot.pause(0.05)
        for n in range(1, (turns or len(answers)) + 1):
            expected = answers[(n - 1) % len(answers)]
            t0 = time.perf_counter()
            app.chat.submit(f"question {n}")
            while n not in ended:
                await asyncio.sleep(0.001)
            await pilot.pause()
            await pilot.pause()
            times.append(time.perf_counter() - t0)
            got = service.transcript.at(n).answer
            if len(got) < len(expected) * 0.95:
                raise SystemExit(f"answer {n} incomplete: {len(got)} chars")
    return times


async def stream_baseline(text: str) -> float:
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import Markdown

    class Baseline(App):
        def compose(self) -> ComposeResult:
            with VerticalScroll():
                yield Markdown()

    app = Baseline()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(VerticalScroll).anchor()
        stream = Markdown.get_stream(app.query_one(Markdown))
        t0 = time.perf_counter()
        for token in tokens_of(text):
            await stream.write(token)
            await asyncio.sleep(0)
        await stream.stop()
        await pilot.pause()
        await pilot.pause()
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", choices=["fake-cli"], default="fake-cli")
    parser.add_argument("--tokens", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=100)
    parser.add_argument("--answer-tokens", type=int, default=1000)
    parser.add_argument("--baseline-tokens", type=int, default=2500)
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the long answer N times, print each and the median "
                             "(identical runs vary by 15-30%% on the shared VM)")
    args = parser.parse_args()
    _isolate()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {platform.node()}  "
          f"{os.cpu_count()} CPUs  python {platform.python_version()}  source={args.source}")

    long_text = text_for(args.source, args.tokens)
    n_long = count_tokens(args.source, long_text)
    runs = [asyncio.run(stream_ours(args.source, [long_text]))[0] for _ in range(args.repeat)]
    ours_long = statistics.median(runs)
    each = f" (median of {' '.join(f'{r:.2f}' for r in runs)})" if len(runs) > 1 else ""
    print(f"ours: {n_long} tokens in {ours_long:.2f} s ({ours_long / n_long * 1e3:.3f} ms/token)"
          f"{each}  goal <= 5 s: {'PASS' if ours_long <= 5 else 'FAIL'}")

    chat = [text_for(args.source, args.answer_tokens, seed=i) for i in range(10)]
    times = asyncio.run(stream_ours(args.source, chat, args.answers))
    per_tok = [t / count_tokens(args.source, chat[i % len(chat)]) * 1e3
               for i, t in enumerate(times)]
    k = max(1, args.answers // 10)
    first, last = statistics.median(per_tok[:k]), statistics.median(per_tok[-k:])
    deciles = [statistics.median(per_tok[i:i + k]) for i in range(0, len(per_tok), k)]
    print("ours: ms/token by tenth of the chat: " + " ".join(f"{d:.3f}" for d in deciles))
    print(f"ours: chat of {args.answers} answers x ~{args.answer_tokens} tokens: first {k} "
          f"{first:.3f} ms/token, last {k} {last:.3f} ms/token, last/first {last / first:.2f}")

    base_text = text_for(args.source, args.baseline_tokens)
    n_base = count_tokens(args.source, base_text)
    [ours_same] = asyncio.run(stream_ours(args.source, [base_text]))
    base = asyncio.run(stream_baseline(base_text))
    print(f"baseline MarkdownStream: {n_base} tokens in {base:.2f} s; ours {ours_same:.2f} s "
          f"-> ours is {base / ours_same:.1f}x faster at {n_base} tokens")
    if args.baseline_tokens != args.tokens:
        print(f"(baseline at {args.tokens} tokens: run with --baseline-tokens {args.tokens}; "
              "it is quadratic)")


if __name__ == "__main__":
    main()
