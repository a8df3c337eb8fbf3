"""The OpenAI-compatible wire format as plain data: chunks, errors, what a server reports.

httpx opens the connection, httpx-sse splits the event stream; this module turns each
event and each error body into typed values. The shapes differ per server (llama-server,
Ollama, vLLM: tests/server_shapes.py lists the differences and where they are documented),
so every field is optional here and nothing is assumed beyond `choices[0].delta.content`.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from httpx_sse import EventSource, SSEError, aconnect_sse

try:  # the library's own decoder, fed line by line (httpx-sse 0.4: not exported)
    from httpx_sse._decoders import SSEDecoder
except ImportError:  # a later layout: plain events, without 0.3.16's `error:` line
    SSEDecoder = None

_CONTEXT = re.compile(r"context (length|size|window)|maximum context|too many tokens|"
                      r"exceeds? (the )?(available )?context", re.IGNORECASE)


@dataclass(frozen=True)
class Chunk:
    """One streamed event: answer text and/or the end of the answer with its figures."""

    text: str = ""
    finish: str | None = None  # "stop" | "length" | ...
    usage: dict | None = None  # OpenAI usage: prompt_tokens, completion_tokens, total_tokens
    timings: dict | None = None  # llama-server: prompt_n, predicted_n, predicted_per_second...


class ApiError(Exception):
    """An HTTP error status, or an error object inside the stream, in one line."""

    def __init__(self, status: int | None, message: str, kind: str, *,
                 retry_after: float | None = None, body: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind
        self.retry_after, self.body = retry_after, body or {}


class StreamBroken(Exception):
    """The event stream was malformed or ended before the answer finished."""


def error_kind(status: int | None, message: str, kind_hint: str = "") -> str:
    """auth | model | busy | context | server | request, from the status and the text."""
    if kind_hint in ("exceed_context_size_error", "context_length_exceeded") or _CONTEXT.search(
            message):
        return "context"
    if status in (401, 403):
        return "auth"
    if status == 404:
        return "model"
    if status in (429, 503):
        return "busy"
    return "server" if status is None or status >= 500 else "request"


def parse_error(status: int | None, text: str, headers: httpx.Headers | None = None) -> ApiError:
    """Every error shape we know: {"error": {...}} (llama-server, OpenAI, Ollama, vLLM >= 0.6),
    {"object": "error", "message": ...} (older vLLM), {"error": "text"} (Ollama native)."""
    try:
        body = json.loads(text) if text.strip() else {}
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    inner = body.get("error", body)
    if isinstance(inner, str):
        inner = {"message": inner}
    if not isinstance(inner, dict):
        inner = {}
    message = str(inner.get("message") or body.get("detail") or text.strip()[:200]
                  or f"HTTP {status}")
    hint = str(inner.get("type") or "") if not isinstance(inner.get("code"), str) \
        else str(inner["code"])
    retry = None
    if headers is not None and (value := headers.get("retry-after")):
        try:
            retry = max(0.0, float(value))
        except ValueError:
            retry = None
    return ApiError(status, message, error_kind(status, message, hint), retry_after=retry,
                    body=inner)


def parse_chunk(data: str) -> Chunk:
    """One `data:` payload; raises StreamBroken for bad JSON, ApiError for an error event."""
    try:
        obj = json.loads(data)
    except ValueError:
        raise StreamBroken(f"malformed event from the server: {data[:80]!r}") from None
    if not isinstance(obj, dict):
        raise StreamBroken(f"unexpected event from the server: {data[:80]!r}")
    if "error" in obj or obj.get("object") == "error":  # an error after the 200 headers
        raise parse_error(None, data)
    choices = obj.get("choices") or []
    choice = choices[0] if choices and isinstance(choices[0], dict) else {}
    delta = choice.get("delta") or choice.get("message") or {}
    text = delta.get("content") if isinstance(delta, dict) else None
    usage = obj.get("usage") if isinstance(obj.get("usage"), dict) else None
    timings = obj.get("timings") if isinstance(obj.get("timings"), dict) else None
    return Chunk(text=text if isinstance(text, str) else "",
                 finish=choice.get("finish_reason"), usage=usage, timings=timings)


async def stream_chat(client: httpx.AsyncClient, url: str, payload: dict,
                      headers: dict[str, str]) -> AsyncIterator[Chunk]:
    """POST a streamed chat completion; yield its chunks; raise ApiError / StreamBroken /
    httpx.TransportError. Ends normally only after `[DONE]` or a finish_reason."""
    finished = False
    async with aconnect_sse(client, "POST", url, json=payload, headers=headers) as source:
        response = source.response
        if response.status_code >= 400:
            body = (await response.aread()).decode("utf-8", "replace")
            raise parse_error(response.status_code, body, response.headers)
        kind = response.headers.get("content-type", "")
        if "text/event-stream" not in kind:  # a server that ignored "stream": one JSON body
            body = (await response.aread()).decode("utf-8", "replace")
            chunk = parse_chunk(body)
            yield chunk
            if chunk.finish is None:
                raise StreamBroken("the server answered without streaming and without a "
                                   "finish_reason")
            return
        try:
            async for data in _events(response):
                if data.strip() == "[DONE]":
                    return
                if not data.strip():
                    continue
                chunk = parse_chunk(data)
                finished = finished or chunk.finish is not None
                yield chunk
        except SSEError as error:
            raise StreamBroken(f"malformed event stream: {error}") from None
    if not finished:
        raise StreamBroken("the stream ended before the answer finished")


async def _events(response: httpx.Response) -> AsyncIterator[str]:
    """The `data` of each event, decoded by httpx-sse's SSEDecoder. One addition: llama-server
    up to at least b6xxx (llama-cpp-python 0.3.16) sends an error inside a 200 stream as a
    line `error: {json}`, which is no SSE field, so every SSE parser drops it and the stream
    looks like an empty answer; that line is raised here as the ApiError it is (a request
    longer than the context comes this way with --no-context-shift)."""
    if SSEDecoder is None:
        async for event in EventSource(response).aiter_sse():
            yield event.data
        return
    decoder = SSEDecoder()
    async for line in response.aiter_lines():
        if line.startswith("error:"):
            raise parse_error(None, line[len("error:"):].strip())
        event = decoder.decode(line)
        if event is not None:
            yield event.data
