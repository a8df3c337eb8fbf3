"""Open a URL or file with the user's opener, only when there is a display to open it on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def open_location(location: str) -> str:
    target = location.rsplit(":", 1)[0] if not location.startswith("http") and ":" in location \
        else location
    if sys.platform != "darwin" and not (os.environ.get("DISPLAY")
                                         or os.environ.get("WAYLAND_DISPLAY")):
        return f"no display: {target}"
    opener = "open" if sys.platform == "darwin" else shutil.which("xdg-open")
    if not opener:
        return f"no opener found: {target}"
    subprocess.Popen([opener, target], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)
    return f"opened {target}"
