"""Run a REAL llama-cli under a pty of our own and splice bytes into its answer, as if the
model had printed them: tests of hostile model output on the real framing bytes of every
flavor (a real model will not print ESC[1m ESC[32m on request).

Usage: inject_pty.py LLAMA_CLI ARGS...   (the session spawns a wrapper script that execs this)
  INJECT_BYTES  JSON string written into the answer ("\\u001b[1m\\u001b[32m")
  INJECT_AFTER  answer reads to let through first (3)   INJECT_TURN  which turn (1)
Everything else passes through byte for byte, both ways (our tty is raw: Ctrl+C reaches
llama-cli's own pty as a byte and becomes its SIGINT); stderr is inherited (the log). We exit
like the child: same code, or killed by the same signal.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import termios
import tty


def main(argv: list[str]) -> None:
    inject = json.loads(os.environ.get("INJECT_BYTES", '""')).encode("utf-8")
    after = int(os.environ.get("INJECT_AFTER", "3"))
    turn_wanted = int(os.environ.get("INJECT_TURN", "1"))
    master, slave = os.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8))
    except OSError:
        pass

    def controlling_tty() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    child = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=None,
                             start_new_session=True, preexec_fn=controlling_tty)
    os.close(slave)
    for sig in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, lambda s, _f: (child.send_signal(s), os._exit(128 + s)))
    if os.isatty(0):
        tty.setraw(0)
    turn, reads, armed, done = 0, 0, False, False
    inputs = [0, master]
    while True:
        ready, _, _ = select.select(inputs, [], [])
        if 0 in ready:
            data = os.read(0, 4096)
            if not data:  # no more input (a --help probe): keep relaying the output
                inputs = [master]
                continue
            if data.endswith(b"\r") and not data.endswith(b"\\\r"):
                turn += 1
                armed = turn == turn_wanted and not done
            os.write(master, data)
        if master in ready:
            try:
                data = os.read(master, 4096)
            except OSError:
                data = b""
            if not data:
                break
            if armed and b"\x1b[0m" in data:  # the echo ended: the answer starts
                armed, reads = False, 1
            elif reads:
                reads += 1
                if reads > after and not done:
                    data, done, reads = inject + data, True, 0
            os.write(1, data)
    code = child.wait()
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
