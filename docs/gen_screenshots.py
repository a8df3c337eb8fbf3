"""Screenshots of the real app for the docs: real llama-cli + SmolLM2, real Tantivy index.

Run `python docs/gen_screenshots.py` (after `neuro-tui setup`). Writes SVGs to docs/images/.
Answers come from a real model at a fixed seed, so they differ between llama.cpp builds;
the screenshots are illustrations, not test fixtures.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
IMAGES = DOCS / "images"

NOTES = """# Tidepool field notes

The Quennick tidepool survey runs every spring. Volunteers count anemones,
hermit crabs and sea stars along three transects at low tide.

## Safety

Never turn your back on the sea, and leave before the tide turns.
"""


async def shoot() -> None:
    from neuro_tui import config as config_mod
    from neuro_tui import paths
    from neuro_tui.app.app import create_app

    os.environ["NEURO_TUI_RUNTIME_DIR"] = str(paths.runtime_root())  # keep the built llama-cli
    home = Path(tempfile.mkdtemp(prefix="neuro-shots-"))
    os.environ["NEURO_TUI_DATA_DIR"] = str(home / "data")
    os.environ["NEURO_TUI_CONFIG_DIR"] = str(home / "config")
    notes = home / "notes"
    notes.mkdir()
    (notes / "tidepools.md").write_text(NOTES)
    storage = home / "index"
    subprocess.run([sys.executable, "-m", "neuro_tui", "index", str(notes), "--storage",
                    str(storage)], check=True, capture_output=True)
    cfg = config_mod.load({"model": "smollm2", "threads": 1, "seed": 3, "temperature": 0.2,
                           "max_tokens": 60, "storage": str(storage)})
    IMAGES.mkdir(exist_ok=True)
    for size, name in (((120, 36), "chat-sources"), ((80, 24), "narrow-80x24")):
        app = create_app(cfg, persist=False)
        async with app.run_test(size=size) as pilot:
            service = app.chat.service
            await wait_for(pilot, lambda s=service: s.state in ("ready", "failed"))
            await pilot.press(*"When does the Quennick tidepool survey run?")
            await pilot.press("enter")
            await wait_for(pilot, lambda s=service: s.transcript.last is not None
                           and s.transcript.last.finished)
            await pilot.pause(0.3)
            app.save_screenshot(str(IMAGES / f"{name}.svg"))
            if name == "chat-sources":
                await pilot.press("f2")
                await pilot.pause(0.6)
                app.save_screenshot(str(IMAGES / "timing-overlay.svg"))
        print(f"wrote {IMAGES / name}.svg", file=sys.stderr)


async def wait_for(pilot, condition, timeout: float = 120.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            state = pilot.app.chat.service.state
            raise TimeoutError(f"the app did not get there in time: {state}")
        await pilot.pause(0.2)


if __name__ == "__main__":
    asyncio.run(shoot())
