"""llama-server's own state: exact token counts (/tokenize) and slot save/restore.

Why: the server engine's context policy decides which earlier turns go into the message
list, and on llama-server it can count them exactly instead of guessing 4 bytes a token.
And a resumed chat need not be read again: llama-server writes a slot's KV cache (and its
tokens) to a file with `POST /slots/0?action=save {"filename": ...}` and reads it back with
`action=restore`, but only when it was started with `--slot-save-path DIR` (the files live
in DIR; the filename may not hold a path). Checked in the pinned 0.3.16 source
(tools/server/server.cpp handle_slots_action): without the flag the answer is 501 "This
server does not support slots action"; a missing or unreadable file is 400 "Unable to
restore slot" (and the slot's cache is cleared); a save while the slot is busy waits.
Only servers neuro-tui starts get the flag (engine/llama_server.py), so only they can be
asked: `session.slot_dir` is None for any other.
"""

from __future__ import annotations

import time

import httpx

SLOT = 0  # neuro-tui starts llama-server with one slot (-np 1)


# A save or restore that has not answered by then never will, or costs more than a recap:
# measured 4-29 ms at 1,000 tokens (23 MB); a 2B model's full 4096-token slot is ~300 MB.
# bitnet.cpp's fork can drop the answer (engine/server_binary.py): the chat then waited
# the whole hang timeout (120 s) before its next turn.
SLOT_TIMEOUT_S = 30.0


class StateError(Exception):
    """Saving or restoring the server's state did not work; `str()` says why in a line."""


def exact(session) -> bool:
    """This server counts tokens for us (llama-server: /tokenize)."""
    return session.info is not None and session.info.kind == "llama.cpp"


async def count_tokens(session, text: str) -> int | None:
    """The server's own token count of `text`, or None when it cannot say (not llama-server,
    or the request failed: a count is an aid, never a reason to fail a turn)."""
    if not exact(session) or session._client is None:
        return None
    try:
        response = await session._client.post(
            f"{session.spec.endpoint.base}/tokenize", json={"content": text},
            headers=session.headers())
        tokens = response.json().get("tokens") if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    return len(tokens) if isinstance(tokens, list) else None


async def slot_action(session, action: str, filename: str) -> dict:
    """POST /slots/0?action=save|restore; the server's figures (n_saved/n_restored, timings)
    plus `wall_ms`; StateError with the reason otherwise."""
    if session.slot_dir is None:
        raise StateError(f"{session.url} is not a server neuro-tui started (its saved state "
                         "cannot be used)")
    if session._client is None:
        raise StateError(f"not connected to {session.url}")
    t0 = time.monotonic()
    try:
        response = await session._client.post(
            f"{session.spec.endpoint.base}/slots/{SLOT}", params={"action": action},
            json={"filename": filename}, headers=session.headers(),
            timeout=httpx.Timeout(session.spec.connect_timeout_s,
                                  read=min(SLOT_TIMEOUT_S, session.spec.hang_timeout_s)))
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise StateError(f"{action} of the server's state failed: "
                         f"{str(error) or type(error).__name__}") from None
    if response.status_code != 200 or not isinstance(body, dict):
        inner = body.get("error", body) if isinstance(body, dict) else {}
        message = inner.get("message") if isinstance(inner, dict) else None
        raise StateError(f"the server refused to {action} its state ({response.status_code}: "
                         f"{message or 'no reason given'})")
    body["wall_ms"] = (time.monotonic() - t0) * 1000
    return body
