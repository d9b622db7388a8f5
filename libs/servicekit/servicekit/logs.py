"""One log format for every process, so `make run`'s interleaved output stays readable."""

from __future__ import annotations

import logging


def configure_logging(service: str, level: str = "INFO") -> logging.Logger:
    logging.basicConfig(
        level=level.upper(),
        format=f"%(asctime)s {service:<9} %(levelname)-7s %(name)s: %(message)s",
        force=True,
    )
    return logging.getLogger(service)
