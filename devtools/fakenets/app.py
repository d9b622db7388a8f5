"""The fake networks' HTTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI

from devtools.fakenets import imap, meta, x
from devtools.fakenets.state import FakeState

NETWORKS = {"x": x, "imap": imap, "meta": meta}
"""One module per network, each with ``router(state)``. Meta stays last: its Graph API route
``POST /{version}/{node}/{edge}`` would otherwise catch the other networks' ``/_fake/...``."""


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
    async def requests(network: str | None = None) -> list[dict[str, Any]]:
        """Everything the connectors sent, oldest first."""
        return [asdict(r) for r in state.records if network in (None, r.network)]

    @app.get("/_fake/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for module in NETWORKS.values():
        app.include_router(module.router(state))
    return app
