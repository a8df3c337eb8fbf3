"""`neuro-tui serve` end to end: a real server, real headless Chromium, the real app.

The app runs the scripted llama-cli (tests/fakes) on the real SmolLM2 file (its GGUF header
is checked before launch), slowed to a visible token rate, so the test can see the answer
stream into the xterm.js terminal the browser renders. The screenshot is kept in
tests/artifacts/ for a human to look at.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.chromium import Browser, find_chromium, free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(240)]

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
QUESTION = "Which fox is quick?"
ANSWER = "The quick brown fox answers from the browser tab, one token at a time."


@pytest.fixture(scope="module")
def chromium() -> str:
    path, why = find_chromium()
    if path is None:
        pytest.skip(why)
    return path


def _start(args: list[str], env_extra: dict[str, str], logs: Path):
    """Start `neuro-tui serve ARGS` (output to files: nobody drains pipes); return the
    process and its banner line once it listens."""
    env = dict(os.environ, **env_extra)
    out, err = logs / "serve.out", logs / "serve.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "neuro_tui", "serve", *args], env=env,
                                stdout=stdout, stderr=stderr)
    proc.logs = (out, err)
    port = int(args[args.index("--port") + 1])
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/xterm.css", timeout=2)
            break
        except urllib.error.HTTPError:
            break  # listening (403 = guarded)
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(f"serve exited: {err.read_text()}") from None
            time.sleep(0.1)
    banner = out.read_text().splitlines()[0]
    return proc, banner


def _stop(proc: subprocess.Popen) -> str:
    """Stop the server (SIGTERM, as Ctrl+C would) and return its stderr. Every app process
    it started (and their llama-cli) must be gone afterwards: no orphans."""
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    _gone, alive = psutil.wait_procs(children, timeout=15)
    for orphan in alive:
        orphan.kill()
    assert not alive, f"serve left processes behind: {[p.pid for p in alive]}"
    return proc.logs[1].read_text()


@pytest.fixture
def served(fake_llama_cli, smollm2, tmp_path):
    port = free_port()
    proc, banner = _start(
        ["--port", str(port), "--cli", str(fake_llama_cli), "--model", str(smollm2)],
        {"FAKE_ANSWERS": f'["{ANSWER}"]', "FAKE_TOKEN_DELAY": "0.12"}, tmp_path)
    yield port, banner, proc
    _stop(proc)


async def test_browser_tab_streams_an_answer(chromium, served):
    port, banner, server = served
    assert banner.strip() == f"neuro-tui serve: open http://127.0.0.1:{port}/  (Ctrl+C stops)"
    async with Browser(chromium) as browser:
        await browser.goto(f"http://127.0.0.1:{port}/")
        await browser.wait_for_text("Quit", timeout=60)  # the app's footer is drawn
        await browser.wait_for_text("state ready", timeout=60)  # llama-cli loaded
        await browser.evaluate("window.__xterm.focus()")
        await browser.type_text(QUESTION)
        await browser.wait_for_text(QUESTION, timeout=10)  # echoed in the input box
        await browser.press_enter()
        partial = await _wait_streaming(browser, timeout=60)
        screen = await browser.wait_for_text(ANSWER, timeout=60)
        await browser.screenshot(ARTIFACTS / "serve_browser.png")
        running = psutil.Process(server.pid).children(recursive=True)
        assert any("fake_llama_cli" in " ".join(p.cmdline()) for p in running), running
    assert QUESTION in screen  # the question is shown above the answer
    assert "The quick" in partial and ANSWER not in partial
    # Closing the tab ends its app and llama-cli while the server keeps running.
    _gone, alive = psutil.wait_procs(running, timeout=20)
    assert not alive, f"tab closed, still running: {[p.cmdline() for p in alive]}"
    assert server.poll() is None


async def _wait_streaming(browser: Browser, timeout: float) -> str:
    """A screen showing the answer's start but not its end: proof it streamed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = await browser.screen_text() or ""
        if "The quick" in text and ANSWER not in text:
            return text
        if ANSWER in text:
            raise AssertionError("the whole answer appeared at once (not streamed)")
        await asyncio.sleep(0.05)
    raise AssertionError(f"no answer started; screen:\n{await browser.screen_text()}")


async def test_off_loopback_needs_the_printed_token(chromium, fake_llama_cli, smollm2,
                                                    tmp_path):
    port = free_port()
    proc, banner = _start(["--host", "0.0.0.0", "--port", str(port), "--cli",
                           str(fake_llama_cli), "--model", str(smollm2)], {}, tmp_path)
    try:
        match = re.search(r"\?token=([\w-]+)", banner)
        assert match, banner
        token = match.group(1)
        for path in ("/", "/ws", "/static/js/textual.js", "/?token=not-the-token"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5)
            assert refused.value.code == 403, path
        async with Browser(chromium) as browser:
            await browser.goto(f"http://127.0.0.1:{port}/")
            body = await _body_text(browser)
            assert body.startswith("403 Forbidden"), body
            await browser.goto(f"http://127.0.0.1:{port}/?token={token}")
            await browser.wait_for_text("Quit", timeout=60)  # the cookie let the page's
            # script, styles and websocket through
    finally:
        err = _stop(proc)
    assert "warning: serving on 0.0.0.0" in err and "generated an access token" in err
    logs = proc.logs[0].read_text() + err
    assert logs.count(token) == 1  # printed once in the URL, never in the access log


async def _body_text(browser: Browser) -> str:
    for _ in range(50):
        text = await browser.evaluate("document.body ? document.body.innerText : ''")
        if text:
            return text
        await asyncio.sleep(0.1)
    return ""
