"""The console's "today" is the gateway's clock, not the wall clock read directly: a report's
default range (and the rule editor's backtest days, through the same ``deps.today``) follow
the clock the app was given."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request

from gateway import deps
from gateway.app import create_app
from gateway.routes.console_reports import _form
from gateway.settings import GatewaySettings
from servicekit.clock import ManualClock


def request_at(clock: ManualClock, query: bytes = b"") -> Request:
    app = create_app(GatewaySettings(), clock=clock)
    return Request({"type": "http", "app": app, "query_string": query, "headers": []})


def test_the_report_form_defaults_to_the_two_weeks_ending_on_the_clock_s_today() -> None:
    clock = ManualClock(datetime(2026, 3, 10, 23, 30, tzinfo=UTC))
    chosen = _form(request_at(clock))
    assert (chosen["since"], chosen["until"]) == ("2026-02-25", "2026-03-10")
    clock.advance(3600)  # past midnight UTC: the default range moves with the clock
    chosen = _form(request_at(clock))
    assert (chosen["since"], chosen["until"]) == ("2026-02-26", "2026-03-11")


def test_a_range_the_user_chose_is_kept() -> None:
    clock = ManualClock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    chosen = _form(request_at(clock, b"since=2025-01-01&until=2025-01-31"))
    assert (chosen["since"], chosen["until"]) == ("2025-01-01", "2025-01-31")


def test_today_is_the_clock_s_date_in_utc() -> None:
    clock = ManualClock(datetime(2027, 1, 1, 0, 5, tzinfo=UTC))
    assert deps.today(request_at(clock)).isoformat() == "2027-01-01"
