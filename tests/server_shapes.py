"""How llama-server, Ollama and vLLM differ on the OpenAI-compatible wire (test data).

Recorded from their public documentation and maintainers' threads (looked up with the
team's search tool, 2026-12-01); the loopback test server (tests/openai_server.py) speaks
each shape so the engine is tested against all three without running them.

Field by field (llama-server / Ollama / vLLM):
- /v1/models `owned_by`: "llamacpp" / "library" / "vllm" (vLLM adds `max_model_len`).
- context size: /props `default_generation_settings.n_ctx` / not reported / `max_model_len`.
- first chunk delta: {"role": "assistant", "content": null} / role and content on every
  chunk / {"role": "assistant", "content": ""}.
- usage (with stream_options.include_usage): inside the finish_reason chunk, next to
  `timings` / a separate last chunk with `choices: []` / the same, with `usage: null` on
  every chunk before it.
- exact timings: `timings` {prompt_n, cache_n, prompt_per_second, predicted_n,
  predicted_ms, predicted_per_second} / none / none.
- system_fingerprint: a build id / "fp_ollama" / absent.
- error body: {"error": {code, message, type}} / {"error": {message, type: "api_error",
  param, code: null}} / {"object": "error", message, type, param, code} (older),
  {"error": {...}} (newer).
- context overflow: type "exceed_context_size_error" with n_prompt_tokens and n_ctx, and
  when streaming it may come as an event in a 200 stream / (Ollama truncates) / 400 "This
  model's maximum context length is N tokens. However, you requested ...".

Seen on the real llama-server 0.3.16 (llama.cpp b1-4227c9b, 2026-12-01): first chunk delta
{"role": "assistant", "content": null}, `usage` and `timings` (prompt_n, prompt_ms,
prompt_per_second, predicted_n, predicted_ms, predicted_per_second; no cache_n: cached
tokens show as prompt_n < usage.prompt_tokens) in the finish_reason chunk, then [DONE];
`/v1/models` owned_by "llamacpp"; a prompt longer than -c 256 was truncated to fit
(prompt_tokens 226), not refused: that version never sends the context error.

Sources:
- llama-server usage+timings in the final finish_reason chunk: github.com/ggml-org/llama.cpp
  issue #15443; exceed_context_size_error fields: llama.cpp PR #15780; sent as an event with
  status 200 when streaming: oobabooga/textgen issue #7257; cache_prompt needed to keep the
  cache: huggingface/chat-ui PR #920.
- Ollama: docs/openai.md of ollama/ollama (OpenAI compatibility: /v1/chat/completions,
  /v1/models, stream_options include_usage); 404 body: netease-youdao/QAnything issue #555.
- vLLM: error object shape: vllm-project/vllm issue #4667 (older) and PR #33425 (newer);
  maximum-context message: vllm issue #20409.
"""

from __future__ import annotations

FLAVORS = ("llama.cpp", "ollama", "vllm")


def models(flavor: str, names: list[str], ctx: int) -> dict:
    owner = {"llama.cpp": "llamacpp", "ollama": "library", "vllm": "vllm"}[flavor]
    data = []
    for name in names:
        entry = {"id": name, "object": "model", "created": 1764547200, "owned_by": owner}
        if flavor == "vllm":
            entry.update(root=name, parent=None, max_model_len=ctx, permission=[])
        if flavor == "llama.cpp":
            entry["meta"] = {"n_ctx_train": 8192, "n_vocab": 49152}
        data.append(entry)
    return {"object": "list", "data": data}


def props(flavor: str, model: str, ctx: int) -> dict | None:
    if flavor != "llama.cpp":
        return None
    return {"default_generation_settings": {"n_ctx": ctx, "model": model},
            "total_slots": 1, "model_path": f"/models/{model}.gguf", "chat_template": "..."}


def chunk(flavor: str, model: str, delta: dict, finish: str | None = None) -> dict:
    body = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1764547200,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if flavor == "ollama":
        body["system_fingerprint"] = "fp_ollama"
        delta.setdefault("role", "assistant")
    elif flavor == "llama.cpp":
        body["system_fingerprint"] = "b6000-test"
    else:
        body["choices"][0]["logprobs"] = None
        body["usage"] = None
    return body


def first_delta(flavor: str) -> dict | None:
    return {"llama.cpp": {"role": "assistant", "content": None},
            "vllm": {"role": "assistant", "content": ""}}.get(flavor)


def final_chunks(flavor: str, model: str, usage: dict, timings: dict, finish: str) -> list:
    """The chunks after the last text: where usage and timings go differs per server."""
    if flavor == "llama.cpp":
        last = chunk(flavor, model, {}, finish)
        last.update(usage=usage, timings=timings)
        return [last]
    end = chunk(flavor, model, {"content": ""} if flavor == "ollama" else {}, finish)
    tail = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1764547200,
            "model": model, "choices": [], "usage": usage}
    return [end, tail]


def error_body(flavor: str, status: int, message: str, kind: str = "") -> dict:
    if flavor == "llama.cpp":
        return {"error": {"code": status, "message": message,
                          "type": kind or "invalid_request_error"}}
    if flavor == "ollama":
        return {"error": {"message": message, "type": "api_error", "param": None,
                          "code": None}}
    return {"object": "error", "message": message, "type": kind or "BadRequestError",
            "param": None, "code": status}


def context_error(flavor: str, n_prompt: int, n_ctx: int) -> dict:
    if flavor == "llama.cpp":
        return {"error": {"code": 400, "message": "the request exceeds the available context "
                          "size. try increasing the context size or enable context shift",
                          "type": "exceed_context_size_error", "n_prompt_tokens": n_prompt,
                          "n_ctx": n_ctx}}
    return error_body(flavor, 400, f"This model's maximum context length is {n_ctx} tokens. "
                      f"However, you requested {n_prompt} tokens. Please reduce the length "
                      "of the messages.")
