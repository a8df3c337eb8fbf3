"""A loopback OpenAI-compatible server for what a real one will not do on demand.

Speaks the llama-server, Ollama or vLLM shape (tests/server_shapes.py) over real HTTP/1.1
with chunked SSE on 127.0.0.1, and injects one fault at a time: an error status (any code,
with that server's error body), a malformed event, a stream that ends without a finish, a
connection dropped mid-answer (optionally taking the whole server down), a drip of bytes
then a stall, an error event inside a 200 stream. Every request is logged (path, headers,
JSON body) and so is a client that went away mid-answer (`closed_by_client`).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests import server_shapes as shapes


@dataclass
class Fault:
    status: int | None = None  # answer chat requests with this status
    body: dict | None = None  # its JSON body (default: the flavor's error shape)
    times: int = 1  # how many chat requests get the status (then normal again)
    retry_after: str | None = None
    after: int = 3  # tokens sent before a mid-stream fault
    malformed: bool = False
    truncate: bool = False  # clean end of body without finish_reason / [DONE]
    drop: bool = False  # abrupt close mid-answer (incomplete chunked body)
    die: bool = False  # with drop: stop listening too (connection refused afterwards)
    stall: bool = False  # drip a partial event, then send nothing until released
    error_event: dict | None = None  # an {"error": ...} event after `after` tokens


@dataclass
class Script:
    answer: str = "The sky is blue because air scatters blue light more than red light."
    delay_s: float = 0.01  # between tokens
    finish: str = "stop"
    models: list[str] = field(default_factory=lambda: ["smollm2"])
    ctx: int = 2048
    key: str | None = None  # require "Authorization: Bearer <key>"
    enforce_ctx: int | None = None  # a prompt of >= this many words is refused, as
    # llama-server does with --no-context-shift (0.3.16: inside the 200 stream, `error:` line)
    slot_dir: str | None = None  # as --slot-save-path: /slots/0?action=save|restore work
    slot_stall_s: float = 0.0  # a save answers this late (bitnet.cpp's can drop its answer)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # clients that hang up (interrupts, timeouts) are expected here


class OpenAIServer:
    def __init__(self, flavor: str = "llama.cpp", host: str = "127.0.0.1"):
        self.flavor = flavor
        self.script = Script()
        self.fault: Fault | None = None
        self.requests: list[dict] = []
        self.closed_by_client = 0
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._cached: list[str] = []  # the last prompt's "tokens" (words), for cache_n
        self.last_cache_n = 0  # words of the last chat request found in that cache
        self.server = _QuietServer((host, 0), self._handler())
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> OpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.release.set()
        try:
            self.server.shutdown()
        finally:
            self.server.server_close()

    @property
    def chat_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]

    def tokens(self) -> list[str]:
        words = self.script.answer.split(" ")
        return [w if i == 0 else " " + w for i, w in enumerate(words)]

    # -- the handler ---------------------------------------------------------------------
    def _handler(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_a):
                pass

            def _json(self, status: int, body: dict, extra: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                key = outer.script.key
                if key is None or self.headers.get("Authorization") == f"Bearer {key}":
                    return True
                self._json(401, shapes.error_body(outer.flavor, 401, "Invalid API Key",
                                                  "authentication_error"))
                return False

            def do_GET(self):  # noqa: N802
                outer.requests.append({"path": self.path, "headers": dict(self.headers)})
                if not self._authorized():
                    return
                s = outer.script
                if self.path == "/v1/models":
                    return self._json(200, shapes.models(outer.flavor, s.models, s.ctx))
                if self.path == "/props" and outer.flavor == "llama.cpp":
                    return self._json(200, shapes.props(outer.flavor, s.models[0], s.ctx))
                if self.path == "/health" and outer.flavor == "llama.cpp":
                    return self._json(200, {"status": "ok"})
                self._json(404, {"error": "not found"})

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                outer.requests.append({"path": self.path, "headers": dict(self.headers),
                                       "body": body})
                if not self._authorized():
                    return
                if outer.flavor == "llama.cpp" and self.path == "/tokenize":
                    words = str(body.get("content", "")).split()
                    return self._json(200, {"tokens": list(range(len(words)))})
                if outer.flavor == "llama.cpp" and self.path.startswith("/slots/"):
                    return self._slot(body)
                fault = outer.fault
                if fault and fault.status and fault.times > 0:
                    fault.times -= 1
                    extra = {"Retry-After": fault.retry_after} if fault.retry_after else None
                    return self._json(fault.status, fault.body or shapes.error_body(
                        outer.flavor, fault.status, f"test status {fault.status}"), extra)
                model = body.get("model") or outer.script.models[0]
                if model not in outer.script.models:
                    return self._json(404, shapes.error_body(
                        outer.flavor, 404, f'model "{model}" not found, try pulling it first'))
                try:
                    self._stream(body, model, fault)
                except (BrokenPipeError, ConnectionResetError):
                    with outer._lock:
                        outer.closed_by_client += 1

            def _send(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _event(self, obj) -> None:
                text = obj if isinstance(obj, str) else json.dumps(obj)
                self._send(f"data: {text}\n\n".encode())

            def _stream(self, body: dict, model: str, fault: Fault | None) -> None:
                flavor, s = outer.flavor, outer.script
                prompt = " ".join(m["content"] for m in body.get("messages", [])).split()
                cache_n = 0
                if body.get("cache_prompt"):
                    for a, b in zip(outer._cached, prompt, strict=False):
                        if a != b:
                            break
                        cache_n += 1
                outer.last_cache_n = cache_n
                if not body.get("stream"):  # one JSON completion (e.g. a cache warm-up)
                    tokens = outer.tokens()[:body.get("max_tokens") or None]
                    time.sleep(s.delay_s * len(prompt) / 10)  # "reading" the prompt
                    outer._cached = prompt
                    n = len(tokens)
                    return self._json(200, {
                        "object": "chat.completion", "model": model,
                        "choices": [{"index": 0, "finish_reason": "length", "message": {
                            "role": "assistant", "content": "".join(tokens)}}],
                        "usage": {"prompt_tokens": len(prompt), "completion_tokens": n,
                                  "total_tokens": len(prompt) + n},
                        "timings": {"cache_n": cache_n, "prompt_n": len(prompt) - cache_n,
                                    "predicted_n": n}})
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                if s.enforce_ctx and len(prompt) >= s.enforce_ctx:  # as llama-server 0.3.16
                    error = shapes.error_body(flavor, 400, "the request exceeds the available "
                                              "context size. try increasing the context size "
                                              "or enable context shift")["error"]
                    self._send(f"error: {json.dumps(error)}\n\n".encode())
                    self._event("[DONE]")
                    self._send(b"")
                    return
                t0 = time.monotonic()
                if (first := shapes.first_delta(flavor)) is not None:
                    self._event(shapes.chunk(flavor, model, first))
                tokens = outer.tokens()
                limit = body.get("max_tokens") or len(tokens)
                finish = s.finish if limit >= len(tokens) else "length"
                tokens = tokens[:limit]
                t_gen = time.monotonic()
                for i, token in enumerate(tokens):
                    if fault and i == fault.after and self._fault(fault):
                        outer.fault = None  # mid-stream faults happen once
                        return
                    self._event(shapes.chunk(flavor, model, {"content": token}))
                    time.sleep(s.delay_s)
                if fault and fault.truncate:
                    self._send(b"")
                    return
                gen_ms = (time.monotonic() - t_gen) * 1000
                n = len(tokens)
                usage = {"prompt_tokens": len(prompt), "completion_tokens": n,
                         "total_tokens": len(prompt) + n}
                timings = {"cache_n": cache_n, "prompt_n": len(prompt) - cache_n,
                           "prompt_ms": (t_gen - t0) * 1000,
                           "prompt_per_second": (len(prompt) - cache_n) / max(t_gen - t0, 1e-6),
                           "predicted_n": n, "predicted_ms": gen_ms,
                           "predicted_per_second": n / max(gen_ms / 1000, 1e-6)}
                outer._cached = prompt + " ".join(tokens).split()
                for c in shapes.final_chunks(flavor, model, usage, timings, finish):
                    self._event(c)
                self._event("[DONE]")
                self._send(b"")

            def _slot(self, body: dict) -> None:
                """llama-server's slot save/restore: the cached prompt words to/from a file."""
                from pathlib import Path

                folder = outer.script.slot_dir
                if folder is None:
                    return self._json(501, shapes.error_body(
                        "llama.cpp", 501, "This server does not support slots action. Start "
                        "it with `--slot-save-path`", "not_supported_error"))
                path = Path(folder) / str(body.get("filename"))
                if "action=save" in self.path:
                    path.write_text(json.dumps(outer._cached))
                    time.sleep(outer.script.slot_stall_s)
                    return self._json(200, {"id_slot": 0, "n_saved": len(outer._cached),
                                            "timings": {"save_ms": 0.5}})
                try:
                    outer._cached = json.loads(path.read_text())
                except (OSError, ValueError):
                    outer._cached = []
                    return self._json(400, shapes.error_body(
                        "llama.cpp", 400, "Unable to restore slot, no available space in KV "
                        "cache or invalid slot save file"))
                return self._json(200, {"id_slot": 0, "n_restored": len(outer._cached),
                                        "timings": {"restore_ms": 0.4}})

            def _fault(self, fault: Fault) -> bool:
                if fault.malformed:
                    self._send(b'data: {"choices": [{"delta": {"content": "x"\n\n')
                    self._send(b"")
                    return True
                if fault.error_event is not None:
                    self._event(fault.error_event)
                    self._send(b"")
                    return True
                if fault.drop:
                    self.wfile.write(b"40\r\ndata: {\"cho")  # a chunk cut in the middle
                    self.wfile.flush()
                    if fault.die:  # stop listening first: the reconnect must be refused
                        outer.server.shutdown()
                        outer.server.socket.close()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return True
                if fault.stall:
                    for byte in b"data: {\"choi":  # a drip of bytes, then nothing
                        self._send(bytes([byte]))
                        time.sleep(0.02)
                    outer.release.wait(60)
                    return True
                return False

        return Handler
