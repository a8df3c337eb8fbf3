"""The short lines the chat shows under turns and failures (plain strings, no markup)."""

from __future__ import annotations

RECOVER = {
    "missing": "model or runtime missing: F10 picks/downloads a model; Ctrl+G builds "
               "llama-cli (bitnet.cpp's for a BitNet model; a few minutes, once)",
    "load": "llama-cli failed to load: F3 shows its log, Ctrl+N retries",
    "crash": "llama-cli crashed: F3 shows its log, Ctrl+N restarts it (transcript kept)",
    "hang": "llama-cli stopped answering: Ctrl+N restarts it (transcript kept)",
    "unreachable": "no server answers: check its URL (F10), Ctrl+N retries",
}
FAILED_STATE = {"missing": "missing", "load": "load failed", "hang": "hung", "crash": "crashed",
                "unreachable": "unreachable"}
PARTIAL = "answer cut off: incomplete"


def stats_note(stop_reason: str | None, stats: dict | None) -> str:
    """The line under an answer: how it ended and how fast it came ("~" = estimate)."""
    stats, parts = stats or {}, []
    if stop_reason == "interrupted":
        parts.append("stopped")
    elif stop_reason == "max_tokens":
        parts.append("cut at max tokens")
    if stats.get("tokens"):
        parts.append(f"{'' if stats.get('tokens_exact') else '~'}{stats['tokens']} tokens")
    if stats.get("tok_s"):
        parts.append(f"{stats['tok_s']:.1f} tok/s")
    if stats.get("ttft_ms") is not None:
        parts.append(f"TTFT {stats['ttft_ms']:.0f} ms")
    return " · ".join(parts)


def partial_note(error: str | None) -> str:
    """A cut-off answer is marked, so nobody takes it for a complete one."""
    return f"{PARTIAL} ({error})" if error else PARTIAL


def failed_note(error: str) -> str:
    """A turn refused without an engine failure (the context policy, the server's 4xx/5xx):
    said under the turn, so it is there after scrolling and on resume, not only a toast."""
    return f"not answered: {error}"


def queued_note(engine_state: str, waiting: int) -> str:
    if engine_state in ("starting", "loading") or engine_state in FAILED_STATE.values():
        return "(queued: sent when the model is ready)"
    return "(queued: sent after this answer)" if waiting else ""
