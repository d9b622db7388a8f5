"""The fake networks' HTTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from devtools.fakenets import google, imap, linkedin, meta, reclameaqui, x, youtube
from devtools.fakenets.state import FakeState, Fault

NETWORKS = {
    "x": x,
    "imap": imap,
    "youtube": youtube,
    "google": google,
    "reclameaqui": reclameaqui,
    "linkedin": linkedin,
    "meta": meta,
}
"""One module per network, each with ``router(state)``. Meta stays last: its Graph API route
``POST /{version}/{node}/{edge}`` would otherwise catch the other networks' paths."""


def create_app(state: FakeState | None = None) -> FastAPI:
    state = state or FakeState()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """The fakes that are not HTTP (IMAP) listen on their own ports when configured."""
        server = await imap.serve(state, state.imap_port) if state.imap_port else None
        yield
        if server is not None:
            server.close()

    app = FastAPI(title="Socialdesk fake networks", lifespan=lifespan)
    app.state.fake = state

    @app.get("/_fake/requests")
    async def requests(
        network: str | None = None, account: str | None = None
    ) -> list[dict[str, Any]]:
        """Everything the connectors sent, oldest first (of one network, one account)."""
        return [
            asdict(r)
            for r in state.records
            if network in (None, r.network) and account in (None, r.account)
        ]

    @app.post("/_fake/{network}/faults")
    async def faults(
        network: str, fault: Fault, times: int = 1, account: str = ""
    ) -> dict[str, int]:
        """The next ``times`` polled requests for ``account`` (any account when empty) are
        answered with this fault (a 429 with ``retry_after``, a 5xx, YouTube's quota body)
        instead of the real answer."""
        state.faults[(network, account)].extend([fault] * times)
        return {"queued": len(state.faults[(network, account)])}

    @app.post("/_fake/{network}/delay")
    async def delay(network: str, request: Request, seconds: float | None = None) -> Any:
        """``?seconds=``: each polled request of the network takes this long (overlaps become
        visible). ``/_fake/meta/delay`` with ``{"seconds": s}`` as its body: Graph API
        publishing calls are recorded at once and answered s later (this route shadowed
        meta's own, so that delay was never applied)."""
        if seconds is None and network == "meta":
            state.meta_delay_seconds = float((await request.json())["seconds"])
            return {"seconds": state.meta_delay_seconds}
        if seconds is None:
            return JSONResponse({"detail": "seconds is required"}, 422)
        state.delays[network] = seconds
        return {"seconds": seconds}

    @app.get("/_fake/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for module in NETWORKS.values():
        app.include_router(module.router(state))
    return app
