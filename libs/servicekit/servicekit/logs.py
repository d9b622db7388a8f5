"""One log format for every process, so `make run`'s interleaved output stays readable; or,
with ``SOCIALDESK_LOG_FORMAT=json``, one JSON object a line for a log collector, each carrying
the service, the correlation id of the message being handled and the trace id."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from servicekit import tracing

_correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "socialdesk_correlation_id", default=""
)


@contextmanager
def correlated(correlation_id: str) -> Iterator[None]:
    """Log lines written inside the block (and in tasks it starts) carry ``correlation_id``."""
    token = _correlation_id.set(correlation_id)
    try:
        yield
    finally:
        _correlation_id.reset(token)


def set_correlation(correlation_id: str) -> contextvars.Token[str]:
    """``correlated`` without the context manager, for the per-event hot path."""
    return _correlation_id.set(correlation_id)


def reset_correlation(token: contextvars.Token[str]) -> None:
    _correlation_id.reset(token)


class _Context(logging.Filter):
    """Stamps every record with the service and what it belongs to. A handler filter, so
    records of every logger (FastStream's, uvicorn's) get it."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self._service
        record.correlation_id = _correlation_id.get()
        record.trace_id = tracing.current_trace_id()
        return True


OWN_HANDLERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "faststream")


def configure_logging(service: str, level: str = "INFO", fmt: str = "text") -> logging.Logger:
    handler = logging.StreamHandler()
    handler.addFilter(_Context(service))
    if fmt == "json":
        # uvicorn and FastStream give their loggers handlers of their own; in JSON every line
        # must be JSON, so theirs go through the root handler too.
        for name in OWN_HANDLERS:
            logging.getLogger(name).handlers.clear()
            logging.getLogger(name).propagate = True
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s"
                " %(service)s %(correlation_id)s %(trace_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                timestamp=False,
                # uvicorn repeats each message with terminal colours for its own formatter.
                reserved_attrs=[*RESERVED_ATTRS, "color_message"],
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter(f"%(asctime)s {service:<9} %(levelname)-7s %(name)s: %(message)s")
        )
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    return logging.getLogger(service)
