"""The gateway: authenticates agents and translates HTTP into calls to the services that own
the data. It holds no ticket logic and reads no service's database."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from gateway import errors, limits, route_index
from gateway.console import admin_calls, session
from gateway.deps import Services
from gateway.live import LiveEvents, end_live_streams_on_exit_signals
from gateway.routes import (
    admin,
    approvals,
    console_admin,
    console_agents,
    console_auth,
    console_author,
    console_desk,
    console_replies,
    console_reports,
    console_ticket_actions,
    rules,
    tickets,
)
from gateway.routes import views as views_routes
from gateway.routes.console_admin_screens import router as console_admin_screens_router
from gateway.routes.console_board import router as console_board_router
from gateway.routes.console_inbox import router as console_inbox_router
from gateway.routes.console_opinions import router as console_opinions_router
from gateway.routes.console_rules import router as console_rules_router
from gateway.routes.console_view_counts import router as console_view_counts_router
from gateway.routes.desk import ROUTERS as DESK_ROUTERS
from gateway.routes.events import router as events_router
from gateway.routes.me import router as me_router
from gateway.routes.opinions import router as opinions_router
from gateway.settings import GatewaySettings
from servicekit import health as probes
from servicekit import heap
from servicekit.clock import Clock, system_clock
from servicekit.http import NATIVE_TELEMETRY_OFF, instrument_http
from servicekit.logs import configure_logging
from servicekit.rpc import RpcClient
from servicekit.tracing import configure_tracing

log = logging.getLogger("gateway")


def create_app(settings: GatewaySettings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    settings = settings or GatewaySettings()
    configure_logging("gateway", settings.log_level, settings.log_format)
    configure_tracing("gateway")
    client = RpcClient(settings.rabbitmq_url)
    live = LiveEvents(settings.rabbitmq_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await client.connect()
        await live.connect()
        end_live_streams_on_exit_signals(live)
        log.info(
            "gateway connected to RabbitMQ; request/reply timeout %ss", settings.rpc_timeout_seconds
        )
        # What is alive once the gateway has started (modules, routes, pydantic's validators,
        # the templates) lives as long as the process: frozen, a full collection no longer
        # walks it, and no longer stops every request in flight for it (as in ticketing);
        # and a wider young generation (servicekit.heap says why).
        heap.settle()
        yield
        await live.close()
        await client.close()

    app = FastAPI(
        title="Socialdesk gateway",
        version="1",
        description="The API agents, admins and integrations use. Authenticate with "
        "`Authorization: Bearer <token>`.",
        lifespan=lifespan,
        telemetry=NATIVE_TELEMETRY_OFF,
    )
    instrument_http(app)
    app.state.settings = settings
    app.state.clock = clock  # the time the pages read ("today"): tests set it
    errors.install(app)  # every 422 in the shape the OpenAPI documents
    limits.install(app, settings)
    app.state.services = Services(client, settings.rpc_timeout_seconds)
    app.include_router(tickets.router)
    app.include_router(rules.router)
    app.include_router(admin.router)
    app.state.live = live
    app.include_router(opinions_router)
    app.include_router(me_router)
    app.include_router(events_router)
    for router in DESK_ROUTERS:
        app.include_router(router)
    install_console(app)
    app.include_router(views_routes.router)
    app.include_router(views_routes.search_router)
    app.include_router(approvals.router)
    app.include_router(approvals.canned_router)

    async def rpc_ready() -> None:
        if not client.ready:
            raise probes.Unhealthy("request/reply is not connected or its reply consumer is gone")

    async def live_ready() -> None:
        if not live.ready:
            raise probes.Unhealthy("the live-events consumer is not connected")

    checks = {"rpc": rpc_ready, "live_events": live_ready}

    # The gateway holds no data: readiness is its broker connections. Whether ticketing, rules
    # and the notifier answer is their own readiness (a gateway that went unready whenever one
    # of them did would take every route down with it).
    probes.serve_probes(app, checks)
    # Last, once every route is in: a page no longer tries every API route before its own.
    route_index.install(app)

    return app


def install_console(app: FastAPI) -> None:
    """The agents' console at ``/``: its pages, and its pinned front-end files served from
    the package itself (never a CDN)."""
    app.include_router(console_auth.router)
    app.include_router(console_desk.router)
    app.include_router(console_replies.router)
    app.include_router(console_inbox_router)
    app.include_router(console_view_counts_router)
    app.include_router(console_board_router)
    app.include_router(console_rules_router)
    app.include_router(console_reports.router)
    app.include_router(console_admin.router)
    app.include_router(console_agents.router)
    app.include_router(console_author.router)
    app.include_router(console_ticket_actions.router)
    app.include_router(console_opinions_router)
    app.include_router(console_admin_screens_router)
    app.mount("/static", StaticFiles(packages=[("gateway", "static")]), name="static")

    async def sign_in_first(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, session.SignInRequired)
        location = session.sign_in_location(exc.next_path)
        if request.headers.get("hx-request"):  # htmx follows this header, not a redirect
            return Response(status_code=401, headers={"HX-Redirect": location})
        return RedirectResponse(location, status_code=303)

    app.add_exception_handler(session.SignInRequired, sign_in_first)
    app.add_exception_handler(admin_calls.NotAdmin, admin_calls.refuse_non_admin)
