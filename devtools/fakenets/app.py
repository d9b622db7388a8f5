"""The fake networks' HTTP server."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import FastAPI

from devtools.fakenets import meta, x
from devtools.fakenets.state import FakeState

NETWORKS = {"x": x, "meta": meta}
"""One module per network, each with ``router(state)``. Meta stays last: its Graph API route
``POST /{version}/{node}/{edge}`` would otherwise catch the other networks' ``/_fake/...``."""


def create_app(state: FakeState | None = None) -> FastAPI:
    state = state or FakeState()
    app = FastAPI(title="Socialdesk fake networks")
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
