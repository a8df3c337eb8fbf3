"""The server engine against a loopback OpenAI-compatible server (tests/openai_server.py).

Real HTTP on 127.0.0.1, real httpx/httpx-sse, every response shape (llama-server, Ollama,
vLLM) and every fault a real server will not produce on demand.
"""

from __future__ import annotations

import asyncio

import pytest

from neuro_tui.engine.endpoint import ServerSpec, parse_url
from neuro_tui.engine.events import AnswerText, SessionError, SessionState, TurnStats
from neuro_tui.engine.params import GenerationParams
from neuro_tui.engine.server_engine import EngineNotice, ServerSession
from neuro_tui.errors import MissingError, NetworkError, UsageError
from neuro_tui.textsafe import StreamCleaner  # the core's one cleaner (the engine sends raw)
from tests import server_shapes
from tests.openai_server import Fault, OpenAIServer

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=server_shapes.FLAVORS)
def server(request):
    with OpenAIServer(request.param) as srv:
        yield srv


@pytest.fixture
def llama():
    with OpenAIServer("llama.cpp") as srv:
        yield srv


def session_for(srv, **spec) -> ServerSession:
    return ServerSession(ServerSpec(parse_url(srv.url), params=GenerationParams(threads=1),
                                    **spec))


async def turn(session, text):
    events = [e async for e in session.ask(text)]
    answer = "".join(e.text for e in events if isinstance(e, AnswerText))
    return answer, events


async def test_two_turns_each_shape_exact_counts_and_message_list(server):
    s = session_for(server)
    await s.start()
    assert s.state is SessionState.READY and s.info.kind == server.flavor
    answer, events = await turn(s, "Why is the sky blue?")
    assert answer == server.script.answer
    stats = events[-1]
    assert isinstance(stats, TurnStats) and stats.stop_reason == "eos"
    assert stats.tokens_exact and stats.tokens == len(server.tokens())
    assert s.stats.ctx_exact  # the overlay shows the server's context count without '~'
    answer2, events2 = await turn(s, "And at sunset?")
    body = server.chat_requests[-1]["body"]
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
    assert body["messages"][2]["content"] == answer
    assert body["stream"] and body["stream_options"] == {"include_usage": True}
    if server.flavor == "llama.cpp":  # llama.cpp-only fields only where they are understood
        assert body["cache_prompt"] is True and body["top_k"] == 40
        assert s.last_timings["cache_n"] > 0  # the server reused turn 1's prompt
        assert events2[-1].gen_tok_s_reported == s.last_timings["predicted_per_second"]
        assert s.stats.ctx_size == server.script.ctx
    else:
        assert "cache_prompt" not in body and "top_k" not in body
    assert s.stats.ctx_size == (None if server.flavor == "ollama" else server.script.ctx)
    words = " ".join(m["content"] for m in body["messages"]).split()
    assert events2[-1].prompt_tokens == len(words)  # the server's count, not an estimate
    await s.close()
    assert s.state is SessionState.CLOSED


async def test_interrupt_closes_the_stream_and_the_chat_goes_on(llama):
    llama.script.delay_s = 0.2
    s = session_for(llama)
    await s.start()
    got = []
    async for event in s.ask("Tell me a long story"):
        got.append(event)
        if isinstance(event, AnswerText) and len(got) == 2:
            await s.interrupt()
    assert isinstance(got[-1], TurnStats) and got[-1].stop_reason == "interrupted"
    assert s.state is SessionState.STOPPED
    for _ in range(50):
        if llama.closed_by_client:
            break
        await asyncio.sleep(0.1)
    assert llama.closed_by_client == 1, "the server never saw the client go"
    partial = "".join(e.text for e in got if isinstance(e, AnswerText))
    assert s.history[-1].answer == partial and not s.history[-1].partial
    llama.script.delay_s = 0.0
    answer, _ = await turn(s, "Go on")
    assert answer == llama.script.answer
    assert llama.chat_requests[-1]["body"]["messages"][2]["content"] == partial
    await s.close()


async def test_key_comes_from_the_named_variable_and_is_never_kept(llama, monkeypatch):
    llama.script.key = "sk-secret-123"
    s = session_for(llama, api_key_env="NEURO_TEST_KEY")
    with pytest.raises(NetworkError) as caught:
        await s.start()
    assert "401" in str(caught.value) and "NEURO_TEST_KEY" in str(caught.value)
    monkeypatch.setenv("NEURO_TEST_KEY", "sk-secret-123")
    await s.start()
    answer, _ = await turn(s, "hi")
    assert answer
    assert "sk-secret-123" not in repr(s.last_request) + repr(s.spec) + repr(vars(s))
    monkeypatch.setenv("NEURO_TEST_KEY", "sk-rotated")  # the key changes mid-chat
    _, events = await turn(s, "again")
    assert isinstance(events[-1], SessionError) and events[-1].kind == "auth"
    assert "NEURO_TEST_KEY" in events[-1].message and "sk-" not in events[-1].message
    assert s.state is SessionState.STOPPED  # fix the variable and ask again
    await s.close()


async def test_unknown_model_lists_what_the_server_has(server):
    server.script.models = ["qwen2.5:7b", "llama3:8b"]
    s = session_for(server, model="smollm2")
    with pytest.raises(MissingError, match=r"'smollm2' is not on .*qwen2.5:7b, llama3:8b"):
        await s.start()
    await s.close()


async def test_busy_backs_off_says_so_then_answers(llama):
    llama.fault = Fault(status=429, times=2, retry_after="0")
    s = session_for(llama, backoff_s=0.01)
    await s.start()
    answer, events = await turn(s, "hi")
    notices = [e for e in events if isinstance(e, EngineNotice)]
    assert len(notices) == 2 and "busy (429)" in notices[0].message
    assert answer == llama.script.answer and isinstance(events[-1], TurnStats)
    llama.fault = Fault(status=503, times=10)
    _, events = await turn(s, "again")
    assert isinstance(events[-1], SessionError) and events[-1].kind == "busy"
    assert "gave up after 3 retries" in events[-1].message
    assert len(llama.chat_requests) == 3 + 4
    await s.close()


@pytest.mark.parametrize("how", ["status", "event"])
async def test_context_overflow_is_a_typed_event(server, how):
    body = server_shapes.context_error(server.flavor, 3000, 2048)
    server.fault = Fault(status=400, body=body) if how == "status" else Fault(
        error_event=body, after=0)
    s = session_for(server)
    await s.start()
    _, events = await turn(s, "a very long question")
    assert isinstance(events[-1], SessionError) and events[-1].kind == "context"
    assert s.state is SessionState.STOPPED  # the context policy restarts with a recap
    await s.restart(recap="Earlier: the user asked about the sky.")
    answer, _ = await turn(s, "short one")
    sent = server.chat_requests[-1]["body"]["messages"]
    assert answer and len(sent) == 2 and "Earlier: the user asked" in sent[0]["content"]
    await s.close()


@pytest.mark.parametrize("fault,kind,state", [
    (Fault(malformed=True), "protocol", SessionState.STOPPED),
    (Fault(truncate=True, after=99), "protocol", SessionState.STOPPED),
    (Fault(drop=True), "crash", SessionState.CRASHED)])
async def test_broken_streams_keep_the_partial_answer(llama, fault, kind, state):
    llama.fault = fault
    s = session_for(llama)
    await s.start()
    answer, events = await turn(s, "hi")
    error = events[-1]
    assert isinstance(error, SessionError) and error.kind == kind, error
    assert error.partial and answer and s.history[-1].partial
    assert s.history[-1].answer == answer
    assert llama.url in error.message
    assert s.state is state
    llama.fault = None
    if state is SessionState.CRASHED:
        await s.restart()  # the message list is the memory: nothing to recap
    answer2, _ = await turn(s, "go on")
    assert answer2 and llama.chat_requests[-1]["body"]["messages"][2]["content"] == answer
    await s.close()


async def test_server_killed_mid_answer_then_restart_says_where(llama):
    llama.fault = Fault(drop=True, die=True)
    s = session_for(llama)
    await s.start()
    answer, events = await turn(s, "hi")
    assert isinstance(events[-1], SessionError) and events[-1].partial and answer
    with pytest.raises(NetworkError, match=rf"no server answers at {llama.url} "
                                           r"\(connection refused\)"):
        await s.restart()
    await s.close()


async def test_drip_then_stall_is_a_hang(llama):
    llama.fault = Fault(stall=True, after=2)
    s = session_for(llama, hang_timeout_s=0.8)
    await s.start()
    answer, events = await turn(s, "hi")
    assert isinstance(events[-1], SessionError) and events[-1].kind == "hang"
    assert answer and events[-1].partial and "sent nothing for" in events[-1].message
    await s.close()


async def test_server_down_at_start_is_one_line_with_the_url():
    with OpenAIServer() as srv:
        url = srv.url
    s = ServerSession(ServerSpec(parse_url(url)))
    with pytest.raises(NetworkError) as caught:
        await s.start()
    assert str(caught.value).startswith(f"no server answers at {url} (connection refused)")
    assert "\n" not in str(caught.value) and s.state is SessionState.CRASHED


def test_urls_loopback_is_local_anything_else_needs_opt_in():
    assert parse_url("127.0.0.1:8080").api == "http://127.0.0.1:8080/v1"
    assert parse_url("http://localhost:11434/v1/").base == "http://localhost:11434"
    assert parse_url("http://[::1]:8000/v1/chat/completions").local
    for url in ("http://10.0.0.5:8080", "https://gpu.example.org/v1", "http://127.0.0.1.nip.io"):
        with pytest.raises(UsageError, match="not on this machine") as caught:
            parse_url(url)
        assert "allow_remote" in str(caught.value)
        assert not parse_url(url, allow_remote=True).local
    with pytest.raises(UsageError, match="user or password"):
        parse_url("http://me:secret@127.0.0.1:8080")
    with pytest.raises(UsageError, match="not an http"):
        parse_url("ftp://127.0.0.1")


@pytest.mark.parametrize("pieces,expected", [
    (["a\x1b", "[31mred", "\x1b[0m b"], "ared b"),
    (["x\x1b]0;ti", "tle\x07y"], "xy"),
    (["line\r", "\nnext"], "line\nnext"),
    (["keep \x1b", "(B this"], "keep  this"),
    (["unterminated \x1b]52;c;AAAA"], "unterminated "),
])
def test_core_cleaner_holds_escapes_cut_between_server_deltas(pieces, expected):
    cleaner = StreamCleaner()
    out = "".join(cleaner.feed(p) for p in pieces) + cleaner.finish()
    assert out == expected


async def test_tls_certificate_is_verified(tmp_path):
    """An https server with a self-signed certificate is refused, saying why."""
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    with OpenAIServer() as srv:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        srv.server.socket = context.wrap_socket(srv.server.socket, server_side=True)
        s = ServerSession(ServerSpec(parse_url(f"https://127.0.0.1:{srv.port}")))
        with pytest.raises(NetworkError, match="TLS certificate of https://127.0.0.1:.* could "
                                               "not be verified") as caught:
            await s.start()
        assert "SSL_CERT_FILE" in str(caught.value)
        assert srv.requests == []  # nothing was sent over the unverified connection
        await s.close()


def test_factory_picks_the_engine_and_refuses_remote_urls(monkeypatch):
    from neuro_tui import config as config_mod
    from neuro_tui.engine.factory import build_session

    def load(**flags):
        return config_mod.load(flags, environ={})

    with pytest.raises(UsageError, match="kind = 'gpu'"):
        build_session(load(engine="gpu"))
    with pytest.raises(UsageError, match="not on this machine"):
        build_session(load(engine="server", engine_url="http://192.168.1.20:8080"))
    remote = build_session(load(engine="server", engine_url="http://192.168.1.20:8080",
                                allow_remote=True, engine_model="qwen", api_key_env="K"))
    assert isinstance(remote, ServerSession) and not remote.spec.endpoint.local
    assert (remote.spec.model, remote.spec.api_key_env, remote.launcher) == ("qwen", "K", None)
    local = build_session(load(engine="server", engine_url="http://127.0.0.1:8080",
                               max_tokens=7))
    assert local.spec.endpoint.local and local.spec.params.max_tokens == 7


async def test_abandoned_answer_is_closed_by_the_next_question(llama):
    llama.script.delay_s = 0.1
    s = session_for(llama)
    await s.start()
    stream = s.ask("first")
    async for event in stream:
        if isinstance(event, AnswerText):
            break  # the caller walks away mid-answer, without aclose()
    llama.script.delay_s = 0.0
    answer, events = await turn(s, "second")
    assert isinstance(events[-1], TurnStats) and answer == llama.script.answer
    assert [h.user for h in s.history] == ["first", "second"]
    assert s.history[0].answer and s.history[0].answer != llama.script.answer
    await s.close()


def test_engine_flags_map_to_config():
    import argparse

    from neuro_tui import config as config_mod
    from neuro_tui.cli.engine_cmd import add_engine_flags, engine_flags

    parser = argparse.ArgumentParser()
    add_engine_flags(parser)
    cfg = config_mod.load(engine_flags(parser.parse_args(["--url", "http://10.0.0.2:8000",
                                                          "--allow-remote"])), environ={})
    assert (cfg.engine, cfg.engine_url, cfg.allow_remote) == ("server", "http://10.0.0.2:8000",
                                                              True)
    cfg = config_mod.load(engine_flags(parser.parse_args([])), environ={})
    assert (cfg.engine, cfg.allow_remote) == ("llama-cli", False)


SOURCES = "Sources:\n[1] The Loire is the longest river in France, about 1000 km long.\n"


async def test_warm_reads_the_prefix_into_the_cache_and_changes_nothing_else(llama):
    s = session_for(llama)
    await s.start()
    await turn(s, "hello")
    assert s.warm(SOURCES) is True
    await s._warmer.wait()
    warm = llama.chat_requests[-1]["body"]
    assert warm["stream"] is False and warm["max_tokens"] == 1 and warm["cache_prompt"]
    assert warm["messages"][-1] == {"role": "user", "content": SOURCES}
    assert warm["messages"][:-1] == s.messages("x")[:-1]  # the same conversation before it
    assert len(s.history) == 1 and s._turn == 1 and s.last_warm["prompt_n"] > 0
    _, events = await turn(s, SOURCES + "\nQuestion: how long is the Loire?")
    assert events[-1].turn == 2
    words = len(" ".join(m["content"] for m in warm["messages"]).split())
    assert s.last_timings["cache_n"] == words  # everything warmed was reused
    await s.close()


async def test_ask_waits_for_a_running_warm_and_cancel_stops_it(llama):
    llama.script.delay_s = 0.2  # the warm "reads" for a while
    s = session_for(llama)
    await s.start()
    s.warm(SOURCES)
    await asyncio.sleep(0.05)
    llama.script.delay_s = 0.0
    _, events = await turn(s, SOURCES + "Question?")
    assert isinstance(events[-1], TurnStats)
    bodies = [r["body"] for r in llama.chat_requests]
    assert [b["stream"] for b in bodies] == [False, True]  # warm finished first
    assert events[-1].ttft_ms > 100  # the wait for the warm counts in TTFT
    llama.script.delay_s = 0.5
    s.warm("Other sources")
    await s.cancel_warm()
    assert s._warmer.task is None
    await s.close()


async def test_warm_is_a_no_op_where_the_server_does_not_cache(server):
    s = session_for(server)
    await s.start()
    assert s.warm(SOURCES) is (server.flavor == "llama.cpp")
    await s._warmer.wait()
    assert len(server.chat_requests) == (1 if server.flavor == "llama.cpp" else 0)
    await s.close()


def test_spec_answers_what_the_chat_core_reads_from_a_session_spec():
    """ChatService shows spec.model.stem, spec.binary, spec.flavor, spec.params.ctx_size."""
    spec = ServerSpec(parse_url("127.0.0.1:8080"), model="llama3.2:3b")
    assert (spec.model.stem, spec.model, spec.binary, spec.flavor) == (
        "llama3.2:3b", "llama3.2:3b", "http://127.0.0.1:8080", "server")
    assert spec.params.ctx_size > 0


@pytest.mark.parametrize("status,kind,words", [
    (403, "auth", "api_key_env"), (500, "server", "test status 500"),
    (400, "request", "test status 400"), (404, "model", "it has: smollm2")])
async def test_each_error_status_is_one_clear_line_and_the_chat_goes_on(server, status, kind,
                                                                        words):
    s = session_for(server)
    await s.start()
    server.fault = Fault(status=status)
    _, events = await turn(s, "hi")
    error = events[-1]
    assert isinstance(error, SessionError) and error.kind == kind, error
    assert words in error.message and server.url in error.message and "\n" not in error.message
    assert s.state is SessionState.STOPPED and not error.partial
    answer, _ = await turn(s, "again")
    assert answer == server.script.answer
    await s.close()


async def test_answer_filling_the_context_on_bitnet_server_ends_at_the_limit(llama):
    """bitnet.cpp's llama-server (--no-context-shift) ends an answer that fills the context
    with an in-stream error 500 'context shift is disabled' (seen on the real 404980e at
    -c 128) where 0.3.16 sends finish 'length': the same end, not a failed turn."""
    llama.fault = Fault(error_event={"error": {"code": 500, "message": "context shift is "
                                               "disabled", "type": "server_error"}}, after=4)
    s = session_for(llama)
    await s.start()
    answer, events = await turn(s, "Tell me a long story.")
    assert not [e for e in events if isinstance(e, SessionError)], events
    assert isinstance(events[-1], TurnStats) and events[-1].stop_reason == "max_tokens"
    assert answer and s.state is SessionState.READY
    assert s.history[-1].answer == answer and not s.history[-1].partial
    again, _ = await turn(s, "Go on.")
    assert again
    await s.close()
