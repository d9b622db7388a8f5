"""Log lines as an operator's collector reads them: with SOCIALDESK_LOG_FORMAT=json one JSON
object a line, carrying the service, the correlation id and the trace id of the work it is
about; the text format stays one readable line."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from servicekit import tracing
from servicekit.logs import configure_logging, correlated


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level
    tracing.disable_tracing()


def test_json_lines_carry_service_correlation_and_trace_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    tracing.configure_tracing("ticketing", exporter=InMemorySpanExporter())
    log = configure_logging("ticketing", "INFO", "json")
    tracer = tracing.tracer()
    assert tracer is not None
    with correlated("5f0c6a57-interaction"), tracer.start_as_current_span("handling"):
        trace_id = tracing.current_trace_id()
        log.warning("ticket %s opened", "2026-000001")
    log.info("outside any message")

    inside, outside = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert inside["message"] == "ticket 2026-000001 opened"
    assert inside["level"] == "WARNING"
    assert inside["logger"] == "ticketing"
    assert inside["service"] == "ticketing"
    assert inside["correlation_id"] == "5f0c6a57-interaction"
    assert inside["trace_id"] == trace_id
    assert len(trace_id) == 32
    assert "time" in inside
    assert outside["correlation_id"] == ""
    assert outside["trace_id"] == ""


def test_text_is_the_default_and_stays_one_readable_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("rules", "INFO").info("rules loaded: %d", 3)
    [line] = capsys.readouterr().err.splitlines()
    assert line.endswith("rules     INFO    rules: rules loaded: 3")


def test_an_exception_is_kept_in_the_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    log = configure_logging("notifier", "INFO", "json")
    try:
        raise ConnectionError("SMTP away")
    except ConnectionError:
        log.exception("sending failed")
    [line] = capsys.readouterr().err.splitlines()
    record = json.loads(line)
    assert "ConnectionError: SMTP away" in record["exc_info"]
