"""Schemathesis over the gateway's and the ingestor's OpenAPI: generated requests (valid and
invalid) must never get a 5xx, and every answer must match its documented schema.

Bounded for CI: ``max_examples`` cases per operation, a fixed seed, the stateful phase left
out (it chains operations without end), ``/v1/events`` left out (a live stream never ends).
The full run creates rules, tickets, agents... so it runs on a stack of its own
(``make security``); ``reads_only`` fuzzes the gateway's reads, which change nothing, on a
stack other tests share (tests/test_fuzz.py)."""

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


def command(url: str, header: str, max_examples: int, seed: int, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json",
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(max_examples),
        "--seed", str(seed),
        "--request-timeout", "30",
        "--no-color",
        # Requests without the credentials would be failed authentications from this one
        # address: after 20, the gateway answers 429 to everything for a minute, and the run
        # would test the rate limit instead of the operations (the attacks cover auth).
        "--generation-with-security-parameters", "false",
        "-H", header,
        *extra,
    ]  # fmt: skip


def fuzz(target: Target, max_examples: int = 15, seed: int = 15) -> list[str]:
    """The services whose run failed (the output above says which operation and how)."""
    runs = {
        "gateway": command(
            target.gateway,
            f"Authorization: Bearer {target.admin_token}",
            max_examples,
            seed,
            *("--checks", CHECKS, "--exclude-path", "/v1/events"),
        ),
        "ingestor": command(
            target.ingestor,
            f"X-Api-Key: {target.ingest_key}",
            max_examples,
            seed,
            *("--checks", CHECKS),
        ),
    }
    failures = []
    for service, argv in runs.items():
        print(f"\n== Schemathesis: {service} ({argv[4]})", flush=True)
        if subprocess.run(argv, check=False).returncode != 0:
            failures.append(f"{service}: see the Schemathesis output above")
    return failures


def fuzz_reads(gateway: str, admin_token: str, max_examples: int = 10, seed: int = 15) -> int:
    """The gateway's GET operations, for no 5xx; the exit code of Schemathesis. Without the
    opinion links, which would spend the shared address's budget."""
    argv = command(
        gateway,
        f"Authorization: Bearer {admin_token}",
        max_examples,
        seed,
        *("--checks", "not_a_server_error", "--include-method", "GET"),
        *("--exclude-path", "/v1/events", "--exclude-path", "/v1/opinions/{token}"),
    )
    return subprocess.run(argv, check=False).returncode
