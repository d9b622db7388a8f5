"""The smallest FastAPI app, served by uvicorn with the launcher's flags, so the gateway's read
throughput can be compared with what this framework and server reach on this machine when the
handler does nothing."""

from __future__ import annotations

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI(title="hello")

    @app.get("/")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app
