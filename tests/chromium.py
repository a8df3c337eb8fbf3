"""Headless Chromium driven over the DevTools protocol (aiohttp websocket; no npm, no driver).

`find_chromium()` returns Debian's chromium, installing it with apt when running as root, or
None with the reason. `Browser` launches it on a fresh profile and gives one page target:
goto, evaluate, type keys, screenshot. `XTERM_HOOK` exposes textual-serve's xterm.js
Terminal as `window.__xterm`, so tests read exactly the text the terminal shows.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import aiohttp

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio"]

# textual.js keeps its xterm Terminal in a closure; its constructor does `this.terminal = new
# Terminal(...)`. A setter on Object.prototype sees that first assignment, records it and
# turns it back into a plain own property, so the page behaves exactly as before.
XTERM_HOOK = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true,
                                             enumerable: true});
    if (value && value.buffer && value.buffer.active) window.__xterm = value;
  },
});
"""
SCREEN_TEXT = """(() => {
  const t = window.__xterm; if (!t) return null;
  const b = t.buffer.active, rows = [];
  for (let y = 0; y < t.rows; y++) {
    const line = b.getLine(b.viewportY + y); rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
})()"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_chromium() -> tuple[str | None, str]:
    """(path, '') or (None, why not): installs Debian's chromium when root and missing."""
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path, ""
    if os.geteuid() != 0:
        return None, "chromium is not installed (apt-get install -y chromium, as root)"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "chromium"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        done = subprocess.run(install, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            return None, f"apt-get install chromium failed: {done.stderr.strip()[-300:]}"
    path = shutil.which("chromium")
    return (path, "") if path else (None, "chromium installed but not on PATH")


class Browser:
    """One headless Chromium process and a DevTools session on its first page."""

    def __init__(self, binary: str, width: int = 1200, height: int = 800):
        self.binary, self.size = binary, (width, height)
        self.profile = tempfile.mkdtemp(prefix="neuro-chromium-")
        self.proc: subprocess.Popen | None = None
        self._ids = itertools.count(1)
        self._ws = self._http = None
        self.console: list[str] = []

    async def __aenter__(self) -> Browser:
        port = free_port()
        self.proc = subprocess.Popen(
            [self.binary, *FLAGS, f"--user-data-dir={self.profile}",
             f"--remote-debugging-port={port}", f"--window-size={self.size[0]},{self.size[1]}",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._http = aiohttp.ClientSession()
        page = await self._first_page(f"http://127.0.0.1:{port}")
        self._ws = await self._http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
        await self.send("Page.enable")
        await self.send("Runtime.enable")
        await self.send("Page.addScriptToEvaluateOnNewDocument", source=XTERM_HOOK)
        return self

    async def _first_page(self, base: str) -> dict:
        for _ in range(200):
            try:
                async with self._http.get(f"{base}/json/list") as response:
                    pages = [t for t in await response.json() if t["type"] == "page"]
                    if pages:
                        return pages[0]
            except aiohttp.ClientError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.proc.returncode}")
            await asyncio.sleep(0.1)
        raise RuntimeError("chromium's DevTools endpoint did not come up")

    async def __aexit__(self, *exc) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._http is not None:
            await self._http.close()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    async def send(self, method: str, **params) -> dict:
        """One DevTools command; events arriving meanwhile are scanned for console output."""
        ident = next(self._ids)
        await self._ws.send_str(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads((await self._ws.receive(timeout=60)).data)
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if message.get("method") == "Runtime.consoleAPICalled":
                args = message["params"]["args"]
                self.console.append(" ".join(str(a.get("value", "")) for a in args))

    async def goto(self, url: str) -> None:
        await self.send("Page.navigate", url=url)

    async def evaluate(self, expression: str):
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def screen_text(self) -> str | None:
        """The text in the xterm viewport, row by row (None before the terminal exists)."""
        return await self.evaluate(SCREEN_TEXT)

    async def wait_for_text(self, needle: str, timeout: float) -> str:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        text = None
        while loop.time() < deadline:
            text = await self.screen_text()
            if text and needle in text:
                return text
            await asyncio.sleep(0.2)
        raise AssertionError(f"{needle!r} never appeared on screen; last screen:\n{text}")

    async def type_text(self, text: str) -> None:
        """Real key events into the focused page (xterm's hidden textarea)."""
        for char in text:
            await self.send("Input.dispatchKeyEvent", type="keyDown", text=char, key=char,
                            unmodifiedText=char)
            await self.send("Input.dispatchKeyEvent", type="keyUp", key=char)

    async def press_enter(self) -> None:
        await self.send("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter",
                        windowsVirtualKeyCode=13, nativeVirtualKeyCode=13, text="\r")
        await self.send("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter",
                        windowsVirtualKeyCode=13, nativeVirtualKeyCode=13)

    async def screenshot(self, path: Path) -> Path:
        data = (await self.send("Page.captureScreenshot", format="png"))["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path
