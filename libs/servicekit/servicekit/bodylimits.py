"""Limits on request bodies, enforced before any route (authentication included) reads them:
their size, counted as the bytes arrive, and how deep a JSON body may nest.

Size: ``Content-Length`` is only a claim (a chunked body has none), so the bytes are counted as
they arrive and reading stops at the limit; a 200 MiB POST costs the limit, not 200 MiB.

Depth:
``json.loads`` recurses once per level: a 200,000-deep array raises ``RecursionError`` (a 500),
and a few hundred levels that do parse would reach MongoDB's limit of 100 nested levels, or the
rules' and templates' recursion, far from the door. Real payloads (a network's ``raw`` JSON
included) nest a dozen levels at most."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_JSON_DEPTH = 64

# A string (escapes included) or a bracket. Strings are matched whole, so brackets inside
# them do not count, and a long string (a base64 attachment) costs one match.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_OPENING = frozenset(b"[{")


def too_deep(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON in ``body`` nests deeper than ``max_depth`` arrays and objects."""
    # Fewer brackets than the limit cannot nest past it: most bodies stop here, at C speed.
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return False
    depth = 0
    for token in _TOKENS.finditer(body):
        first = token.group()[0]
        if first in _OPENING:
            depth += 1
            if depth > max_depth:
                return True
        elif first != 0x22:  # a closing bracket (0x22 is the quote that starts a string)
            depth -= 1
    return False


class BodyLimit:
    """A plain ASGI middleware (Starlette's ``BaseHTTPMiddleware`` runs every request through a
    task group and memory streams, a fifth of the ingestor's CPU for a small POST, profiled).

    Reads the whole body before the app runs, counting as it goes: 413 at the first byte over
    ``limit(scope)``, or at once when ``Content-Length`` announces more; then, with
    ``max_json_depth`` set, 422 for a JSON body nested deeper. The app gets the body as one
    message; the framework would have read it whole anyway."""

    def __init__(
        self,
        app: ASGIApp,
        limit: Callable[[Scope], int],
        max_json_depth: int | None = MAX_JSON_DEPTH,
    ) -> None:
        self.app = app
        self.limit = limit
        self.max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope)
        too_large = f"the body is larger than {limit} bytes"
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > limit):
                await _refuse(413, too_large, scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: nothing to answer
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(413, too_large, scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if self.max_json_depth is not None and body and too_deep(body, self.max_json_depth):
            reason = f"the JSON body nests deeper than {self.max_json_depth} levels"
            await _refuse(422, reason, scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # what comes after the body: a disconnect

    return replayed


async def _refuse(status: int, reason: str, scope: Scope, receive: Receive, send: Send) -> None:
    # Connection: close, so a client still sending the rest of a large body is cut off
    # instead of the server reading it to find the next request.
    response = JSONResponse({"detail": reason}, status_code=status, headers={"Connection": "close"})
    await response(scope, receive, send)
