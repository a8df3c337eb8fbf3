"""What leaves the machine, measured: full sessions under `strace -f`, plus an audit hook.

Each session runs in its own process (tests/integration/privacy_session.py) under
`strace -f -e trace=connect,execve`, so every connect() of Python, of llama-cli (real
binary, real SmolLM2) and of any other child is seen; the in-process Python audit hook
("socket.connect") is a second, independent witness. Web off: only loopback and unix
sockets. Web on (a loopback "search engine" on 127.0.0.1 and pages on 127.0.0.2): only
those two endpoints.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]

REPO = Path(__file__).resolve().parents[2]
# No anchoring on the result: a call interrupted by another thread is logged as
# "connect(...) <unfinished ...>" and must be checked all the same.
CONNECT = re.compile(r"^(\d+)\s+connect\(\d+, \{sa_family=(AF_\w+)(.*?)\}, \d+")
EXECVE = re.compile(r'^(\d+)\s+execve\("([^"]+)"')
BIND = re.compile(r"^(\d+)\s+bind\((\d+), \{sa_family=(AF_INET6?)(.*?)\}, \d+(?!\d)(?!\) = -1)")
LISTEN = re.compile(r"^(\d+)\s+listen\((\d+),")
INET = re.compile(r'sin6?_port=htons\((\d+)\).*?(?:inet_addr\("([^"]+)"\)|'
                  r'inet_pton\(AF_INET6, "([^"]+)")')
LOCAL_FAMILIES = {"AF_UNIX", "AF_LOCAL", "AF_NETLINK", "AF_UNSPEC"}  # AF_UNSPEC = disconnect


@pytest.fixture(scope="module")
def strace() -> str:
    path = shutil.which("strace")
    if path is None and os.geteuid() == 0:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y", "-q", "strace"]
        if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
            subprocess.run(cmd, env=env, capture_output=True)
        path = shutil.which("strace")
    if path is None:
        pytest.skip("strace is not installed (apt-get install -y strace, as root)")
    return path


def parse_strace(text: str) -> tuple[list[tuple[str, str, int | None]], list[str], list]:
    """From `strace -f` output: [(family, ip or sun_path, port)] connected to, [executed
    paths], and [(ip, port)] of sockets listening (or bound to a fixed port) off loopback."""
    connects, execs, binds, listens = [], [], [], set()
    for line in text.splitlines():
        if m := BIND.match(line):
            if inet := INET.search(m.group(4)):
                binds.append(((m.group(1), m.group(2)), inet.group(2) or inet.group(3),
                              int(inet.group(1))))
        elif m := LISTEN.match(line):
            listens.add((m.group(1), m.group(2)))
        if m := CONNECT.match(line):
            family, rest = m.group(2), m.group(3)
            if inet := INET.search(rest):
                connects.append((family, inet.group(2) or inet.group(3), int(inet.group(1))))
            else:
                connects.append((family, rest.strip(", "), None))
        elif (m := EXECVE.match(line)) and "= -1" not in line:
            execs.append(m.group(2))
    exposed = [(ip, port) for key, ip, port in binds if not ipaddress.ip_address(ip).is_loopback
               and (port != 0 or key in listens)]
    return connects, execs, exposed


def non_local(connects) -> list:
    return [c for c in connects if c[0] not in LOCAL_FAMILIES
            and not (c[0] in ("AF_INET", "AF_INET6") and ipaddress.ip_address(c[1]).is_loopback)]


def run_traced(strace: str, tmp_path: Path, args: list[str], env: dict[str, str]):
    stdin = None
    if args[:3] == ["cli", "chat", "--plain"]:
        args, stdin = args[:3], args[3] + "\n"
    out, trace = tmp_path / "result.json", tmp_path / "strace.txt"
    cmd = [strace, "-f", "-qq", "--seccomp-bpf", "-e", "trace=connect,execve,bind,listen",
           "-e", "signal=none", "-s", "256", "-o", str(trace),
           sys.executable, "-m", "tests.integration.privacy_session", str(out), *args]
    done = subprocess.run(cmd, cwd=REPO, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=540, input=stdin)
    result = json.loads(out.read_text()) if out.exists() else {}
    assert done.returncode == 0, (f"session failed: {result.get('error')}\n"
                                  f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    connects, execs, exposed = parse_strace(trace.read_text())
    assert exposed == [], f"listened off loopback: {exposed}"
    return result, connects, execs, done


def session_env(cli: Path, model: Path, **extra: str) -> dict[str, str]:
    return {"NEURO_TUI_CLI": str(cli), "NEURO_TUI_MODEL": str(model), "NEURO_TUI_THREADS": "1",
            "NEURO_TUI_SEED": "7", "NEURO_TUI_MAX_TOKENS": "24", "NEURO_TUI_CTX_SIZE": "1024",
            "NEURO_TUI_WEB": "0", **extra}


def one_shot_args(question: str) -> list[str]:
    """`ask` when the lead's command exists, else `chat --plain`; skip when neither does."""
    from neuro_tui.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices
    if "ask" in commands:
        return ["cli", "ask", question]
    if "chat" in commands:
        return ["cli", "chat", "--plain", question]  # run_traced sends it on stdin
    pytest.skip("neither `neuro-tui ask` nor `chat --plain` exists yet")


def _assert_llama_cli_traced(execs: list[str], cli: Path) -> None:
    assert any(Path(e).name == cli.name for e in execs), f"llama-cli never ran: {execs}"


@pytest.fixture(params=["old", "new"])
def llama_cli(request) -> Path:
    """Both protocols: 0.3.16 (old) and 0.3.36, whose llama-cli runs an internal server."""
    return request.getfixturevalue(f"llama_cli_{request.param}")


@pytest.mark.parametrize("mode", ["tui", "ask"])
def test_web_off_nothing_but_loopback(strace, tmp_path, llama_cli, smollm2, mode):
    question = "Name one colour."
    args = ["tui", question] if mode == "tui" else one_shot_args(question)
    result, connects, execs, done = run_traced(
        strace, tmp_path, args, session_env(llama_cli, smollm2))
    _assert_llama_cli_traced(execs, llama_cli)
    answer = result.get("answer") if mode == "tui" else done.stdout
    assert answer and answer.strip(), "no answer: the session did not really run"
    assert non_local(connects) == [], f"left the machine: {non_local(connects)}"
    for event in result["connects"]:  # the audit hook's view of the Python process
        assert event["family"] in (1, 16) or "127." in event["address"] \
            or "::1" in event["address"], event


class _Servers:
    """A JSON "search engine" on 127.0.0.1 and two article pages on 127.0.0.2."""

    PAGE = ("<html><head><title>{t}</title></head><body><article><h1>{t}</h1>"
            "<p>{t} is a test page about the Loire, the longest river in France, which "
            "flows for about one thousand kilometres to the Atlantic.</p>" + "<p>More.</p>" * 3
            + "</article></body></html>")

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.page_headers: list[dict[str, str]] = []
        servers = self
        self.pages = ThreadingHTTPServer(("127.0.0.2", 0), self._handler("pages"))
        self.search = ThreadingHTTPServer(("127.0.0.1", 0), self._handler("search"))
        self.page_urls = [f"http://127.0.0.2:{self.pages.server_port}/{name}.html"
                          for name in ("loire", "rivers")]
        self.search_url = f"http://127.0.0.1:{self.search.server_port}/search"
        for server in (servers.pages, servers.search):
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def _handler(self, role: str):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests.append((role, self.path))
                if role == "pages":
                    outer.page_headers.append({k.lower(): v for k, v in self.headers.items()})
                if role == "search":
                    body = json.dumps([{"title": u.rsplit("/", 1)[1], "url": u}
                                       for u in outer.page_urls]).encode()
                    kind = "application/json"
                else:
                    body = outer.PAGE.format(t=self.path.strip("/")).encode()
                    kind = "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args):
                pass

        return Handler

    def close(self) -> None:
        for server in (self.pages, self.search):
            server.shutdown()
            server.server_close()


@pytest.mark.parametrize("mode", ["tui", "ask"])
def test_web_on_only_the_search_and_fetched_hosts(strace, tmp_path, llama_cli_old, smollm2,
                                                  mode):
    question = "How long is the Loire river?"
    args = ["tui", question] if mode == "tui" else one_shot_args(question)
    servers = _Servers()
    try:
        env = session_env(llama_cli_old, smollm2, NEURO_TUI_WEB="1", NEURO_TUI_ALLOW_PRIVATE="1",
                          NEURO_TUI_TEST_SEARCH_URL=servers.search_url)
        result, connects, execs, done = run_traced(strace, tmp_path, args, env)
    finally:
        servers.close()
    _assert_llama_cli_traced(execs, llama_cli_old)
    allowed = {("127.0.0.1", servers.search.server_port), ("127.0.0.2", servers.pages.server_port)}
    inet = {(c[1], c[2]) for c in connects if c[0] in ("AF_INET", "AF_INET6")}
    assert inet == allowed, f"contacted {inet}, expected exactly {allowed}"
    assert [c for c in non_local(connects)] == []
    # What was sent: the question as typed to the search engine (docs/privacy.md says so),
    # and a GET of each result page, nothing else.
    searches = [parse_qs(urlsplit(path).query) for role, path in servers.requests
                if role == "search"]
    assert searches == [{"q": [question]}]
    assert sorted(path for role, path in servers.requests if role == "pages") == [
        "/loire.html", "/rivers.html"]
    for headers in servers.page_headers:  # no cookie, no referrer, our own user agent
        assert headers["user-agent"].startswith("neuro-tui/")
        assert "cookie" not in headers and "referer" not in headers
    shown = result.get("sources", []) if mode == "tui" else [done.stdout]
    assert any("127.0.0.2" in s for s in shown), f"fetched page not cited: {shown}"
