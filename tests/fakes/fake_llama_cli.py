"""A scripted llama-cli that speaks the bitnet, old and new pty protocols byte for byte as
recorded in ../shared/transcripts, so engine tests can provoke faults on demand.

Flavor: FAKE_FLAVOR=old|bitnet|new (default old). Behaviour, all optional (env):
  FAKE_ANSWERS   JSON list of answers, used in turn (cycled). "\\udcXX" = raw byte XX;
                 "{endless}" = tokens until stopped; "{echo}" = "You said: <message>";
                 "{system}" = "System: <system prompt>".
  FAKE_TOKEN_DELAY seconds per token (0.005)   FAKE_PREFILL_DELAY seconds before a token (0.02)
  FAKE_LOAD_DELAY seconds (0.05)               FAKE_EXIT_ON_LOAD=1: "unable to load model", exit 1
  FAKE_CRASH_AFTER=N: SIGSEGV after N answer tokens (FAKE_CRASH_TURN=k: only in turn k;
                 FAKE_CRASH_LOG: JSON list of lines written to stderr just before)
  FAKE_HANG_AFTER=N: stop writing (but stay alive) after N answer tokens
  FAKE_PAUSE_AFTER=N: after N answer tokens write nothing more until Ctrl+C (a model that
                 thinks: a test can act on a screen that no longer moves)
  FAKE_SIGINT_EXITS=1: Ctrl+C always quits, as when it lands just after an answer ended
  FAKE_BURST=1: a turn's tokens in one write (a loaded machine's pty delivers them so)
New flavor with `-lv 3`: the server's per-turn `slot print_timing` lines go to stderr (as
0.3.36 writes them: exact counts of the prompt read and the tokens generated).
Flags are llama-cli's (-m, -cnv, -sys, -p, -n, -c, --color [on|off], ...); stderr gets logs
and, at exit, perf lines. TAB makes old/bitnet ask for the cursor position (ESC[6n).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import termios
import time

FLAVOR = os.environ.get("FAKE_FLAVOR", "old")
ENV = os.environ.get
OUT, ERR, IN = 1, 2, 0
GREEN, RESET = b"\x1b[1m\x1b[32m", b"\x1b[0m"
HELP = {
    "old": "-m,    --model FNAME\n-co,   --color      colorise output\n-sys,  --system-prompt\n"
           "-cnv,  --conversation\n",
    "bitnet": "-m,    --model FNAME\n-co,   --color      colorise output\n-cnv,  --conversation\n",
    "new": "-m,    --model FNAME\n-co,   --color [on|off|auto]\n-sys,  --system-prompt\n"
           "--show-timings, --no-show-timings\n"
           "-lv,   --verbosity, --log-verbosity N   Set the verbosity threshold.\n"
           "--log-colors [on|off|auto]              Set colored logging\n",
}


def w(data: bytes, fd: int = OUT) -> None:
    """Like llama-cli: write "\n" and let the pty's ONLCR make it "\r\n"."""
    os.write(fd, data.replace(b"\r\n", b"\n"))


def parse(argv: list[str]) -> dict:
    opts = {"color": False, "n": -1, "sys": "", "model": "", "cnv": False, "ctx": 4096,
            "lv": 1}
    it = iter(range(len(argv)))
    for i in it:
        a = argv[i]
        nxt = argv[i + 1] if i + 1 < len(argv) else ""
        if a in ("--help", "-h"):
            w(HELP[FLAVOR].encode())
            sys.exit(0)
        if a in ("-co", "--color"):
            opts["color"] = True
            if nxt in ("on", "off", "auto"):
                opts["color"] = nxt != "off"
                next(it)
        elif a == "-cnv":
            if FLAVOR == "new":
                w(b"error: invalid argument: -cnv\n", ERR)
                sys.exit(1)
            opts["cnv"] = True
        elif a in ("-sysf", "-f"):  # the system prompt from a file, as llama-cli reads it
            with open(nxt, encoding="utf-8") as handle:
                opts["sys"] = handle.read()
            next(it)
        elif a in ("-m", "-n", "-sys", "-p", "-c", "-lv"):
            key = {"-m": "model", "-n": "n", "-sys": "sys", "-p": "sys", "-c": "ctx",
                   "-lv": "lv"}[a]
            opts[key] = int(nxt) if key in ("n", "ctx", "lv") else nxt
            next(it)
    return opts


class Fake:
    def __init__(self, opts: dict):
        self.o, self.color = opts, opts["color"]
        self.answers = json.loads(ENV("FAKE_ANSWERS", "[]")) or ["Hello! How can I help you today?"]
        self.turn = self.generated = self.prompt_tokens = 0
        self.stop = self.at_prompt = False
        signal.signal(signal.SIGINT, self.on_sigint)

    def on_sigint(self, *_):
        if self.at_prompt or ENV("FAKE_SIGINT_EXITS"):  # the latter: a Ctrl+C that lands late
            self.exit_interrupted()
        self.stop = True

    def load(self) -> None:
        w(b"build: 1 (fake) with cc for x86_64-linux-gnu\nmain: llama backend init\n", ERR)
        time.sleep(float(ENV("FAKE_LOAD_DELAY", "0.05")))
        if ENV("FAKE_EXIT_ON_LOAD") or not os.path.isfile(self.o["model"]):
            m = self.o["model"]
            w(f"gguf_init_from_file: failed to open '{m}': 'No such file or directory'\n"
              f"llama_model_load: error loading model: llama_model_loader: failed to load model"
              f" from {m}\n\nmain: error: unable to load model\n".encode(), ERR)
            sys.exit(1)
        w(b"llama_model_loader: loaded meta data\nmain: interactive mode on.\n", ERR)
        sys_prompt = self.o["sys"].encode()
        if FLAVOR == "new":
            w(b"\r\n\r\nLoading model... |\x08-\x08 \x08\r\n\r\nbuild      : b1-fake\r\n"
              b"model      : " + self.o["model"].encode() + b"\r\nusing custom system prompt\r\n"
              b"\r\navailable commands:\r\n  /exit or Ctrl+C     stop or exit\r\n"
              b"  /regen              regenerate the last response\r\n"
              b"  /clear              clear the chat history\r\n"
              b"  /read <file>        add a text file\r\n"
              b"  /glob <pattern>     add text files using globbing pattern\r\n\r\n\r\n")
            w((GREEN if self.color else b"") + b"\r\n> ")
        elif self.color:
            w(b"\x1b[33msystem\r\n" + sys_prompt + b"\r\n" + RESET + b"\r\n> " + GREEN)
        else:
            w(b"system\r\n" + sys_prompt + b"\r\n\r\n> ")

    def read_line(self) -> str | None:
        """Raw keystrokes with our own echo, like llama-cli's console; None on EOF."""
        line, lines = b"", []
        self.at_prompt = True
        while True:
            try:
                c = os.read(IN, 1)
            except InterruptedError:
                continue
            if not c or c == b"\x04":
                return None if not (lines or line) or FLAVOR != "bitnet" else ""
            if c == b"\t" and FLAVOR != "new":
                w(b"\x1b[6n")
                reply = b""
                while not re.search(rb"\x1b\[\d+;\d+R", reply):
                    reply += os.read(IN, 1)
                w(b"\t")
                line += c
            elif c in (b"\r", b"\n"):  # ICRNL may have turned Enter into \n
                if line.endswith(b"\\"):
                    w(b"\x08\\\x08 \x08\r\n")
                    lines.append(line[:-1])
                    line = b""
                    continue
                w(b"\r\n")
                lines.append(line)
                self.at_prompt = False
                return b"\n".join(lines).decode("utf-8", "replace")
            else:
                w(c)
                line += c

    def exit_interrupted(self) -> None:
        if FLAVOR == "new":
            w(b"\x1b[0m\r\n\r\nExiting...\r\n")
            os._exit(0)
        w((RESET if self.color else b"") + b"\n")  # console::cleanup(), then LOG("\n")
        self.perf()
        w(b"Interrupted by user\n")
        os._exit(130)

    def perf(self) -> None:
        if FLAVOR == "new":
            return
        n = max(1, self.generated)
        w(f"llama_perf_context_print:        load time =      50.00 ms\n"
          f"llama_perf_context_print: prompt eval time =     100.00 ms / {self.prompt_tokens:5d}"
          f" tokens (   10.00 ms per token,   100.00 tokens per second)\n"
          f"llama_perf_context_print:        eval time =    {n * 10:7.2f} ms / {n:5d} runs  "
          f" (   10.00 ms per token,   100.00 tokens per second)\n"
          f"llama_perf_context_print:       total time =    1000.00 ms / "
          f"{n + self.prompt_tokens:5d} tokens\n".encode(), ERR)

    def tokens(self, message: str):
        answer = self.answers[(self.turn - 1) % len(self.answers)]
        if answer == "{endless}":
            i = 0
            while True:
                i += 1
                yield f" word{i}".encode()
        answer = answer.replace("{echo}", "You said: " + message)
        answer = answer.replace("{system}", "System: " + self.o["sys"])
        data = answer.replace("\n", "\r\n").encode("utf-8", "surrogateescape")
        yield from re.findall(rb"\s*[^\s]{1,6}|\s+", data, re.S)

    def answer(self, message: str) -> None:
        self.turn += 1
        self.stop = False
        self.prompt_tokens += len(message) // 4 + 1
        if self.color:
            w(RESET)
        time.sleep(float(ENV("FAKE_PREFILL_DELAY", "0.02")))
        delay = float(ENV("FAKE_TOKEN_DELAY", "0.005"))
        crash_turn = int(ENV("FAKE_CRASH_TURN", "0") or 0)
        crash = int(ENV("FAKE_CRASH_AFTER", "-1")) if crash_turn in (0, self.turn) else -1
        hang = int(ENV("FAKE_HANG_AFTER", "-1"))
        pause = int(ENV("FAKE_PAUSE_AFTER", "-1"))
        limit = self.o["n"] if self.o["n"] > 0 else None
        count, cut, burst = 0, False, []
        for token in self.tokens(message):
            if self.stop:
                break
            if count == crash:
                for line in json.loads(ENV("FAKE_CRASH_LOG", "[]")):
                    w(line.encode() + b"\n", ERR)
                os.kill(os.getpid(), signal.SIGSEGV)
            if count == hang:
                while True:
                    time.sleep(3600)
            while count == pause and not self.stop:
                time.sleep(0.01)
            if self.stop:
                break
            if limit is not None and (count if FLAVOR == "new" else self.generated) >= limit:
                cut = True
                break
            if ENV("FAKE_BURST"):
                burst.append(token)
            else:
                w(token)
            count += 1
            self.generated += 1
            time.sleep(delay)
        w(b"".join(burst))
        self.log_turn(len(message) // 4 + 1, count + (0 if self.stop or cut else 1))
        self.end_turn(eos=not (self.stop or cut))

    def log_turn(self, prompt: int, generated: int) -> None:
        """0.3.36's server at -lv 3: the turn's exact counts (EOS is a generated token)."""
        if FLAVOR != "new" or self.o["lv"] < 3:
            return
        task = self.turn * 11
        w(f"0.00.371.748 I slot print_timing: id  0 | task {task} | prompt eval time =     "
          f"101.55 ms / {prompt:5d} tokens (    3.76 ms per token,   265.88 tokens per second)\n"
          f"0.00.371.770 I slot print_timing: id  0 | task {task} |        eval time =      "
          f"60.85 ms / {generated:5d} tokens (    6.76 ms per token,   147.90 tokens per second)\n"
          f"0.00.371.883 I slot      release: id  0 | task {task} | stop processing: "
          f"n_tokens = {prompt + generated}, truncated = 0\n".encode(), ERR)

    def end_turn(self, eos: bool) -> None:
        if FLAVOR == "new":
            w(b"\r\n" + (b"\x1b[35m" if self.color else b"")
              + b"\r\n[ Prompt: 150.0 t/s | Generation: 60.0 t/s ]\r\n")
            w((RESET + GREEN if self.color else b"") + b"\r\n> ")
        elif self.stop:
            w((GREEN if self.color else b"") + b"\r\n> ")
        else:
            w((b"\r\n" if eos else b"") + b"\r\n> " + (GREEN if self.color else b""))
        self.stop = False

    def run(self) -> None:
        self.load()
        fd = IN
        attrs = termios.tcgetattr(fd)
        attrs[3] &= ~(termios.ICANON | termios.ECHO)  # keep ISIG: Ctrl+C is SIGINT
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
        while True:
            message = self.read_line()
            if message is None:
                if FLAVOR == "new":
                    w((RESET if self.color else b"") + b"\n\nExiting...\n")
                else:
                    w(b"EOF by user\n\n\n")
                    self.perf()
                    w(RESET if self.color else b"")
                os._exit(0)
            if FLAVOR == "new" and message.strip() == "":
                w(b"\r\n" + (RESET + GREEN if self.color else b"") + b"\r\n> ")
                continue
            if FLAVOR == "new" and message.startswith("/exit"):
                w(b"\r\n\r\nExiting...\r\n")
                os._exit(0)
            self.answer(message)


if __name__ == "__main__":
    Fake(parse(sys.argv[1:])).run()
