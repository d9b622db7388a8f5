"""Schemathesis over the gateway's and the ingestor's OpenAPI: generated requests (valid and
invalid) must never get a 5xx, and every answer must match its documented schema.

Bounded for CI: ``max_examples`` cases per operation, the stateful phase left out (it chains
operations without end), ``/v1/events`` left out (a live stream never ends). It creates
rules, tickets, agents... so it runs on a stack of its own (``make security``), never on one
other tests read."""

from __future__ import annotations

import subprocess
import sys
from typing import Protocol

CHECKS = "not_a_server_error,response_schema_conformance"


class Target(Protocol):
    gateway: str
    ingestor: str
    admin_token: str
    ingest_key: str


def fuzz(target: Target, max_examples: int = 15, seed: int = 15) -> list[str]:
    """The services whose run failed, each with the command that reproduces it."""
    runs = {
        "gateway": (
            target.gateway,
            f"Authorization: Bearer {target.admin_token}",
            ["--exclude-path", "/v1/events"],
        ),
        "ingestor": (target.ingestor, f"X-Api-Key: {target.ingest_key}", []),
    }
    failures = []
    for service, (url, header, extra) in runs.items():
        command = [
            sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json",
            "--checks", CHECKS,
            "--phases", "examples,coverage,fuzzing",
            "--max-examples", str(max_examples),
            "--seed", str(seed),
            "--request-timeout", "30",
            "--no-color",
            "-H", header,
            *extra,
        ]  # fmt: skip
        print(f"\n== Schemathesis: {service} ({url}/openapi.json)", flush=True)
        if subprocess.run(command, check=False).returncode != 0:
            failures.append(f"{service}: {' '.join(command[:5])} ... (see the output above)")
    return failures
