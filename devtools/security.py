"""`make security`: the attacks of issue 15 (devtools/attacks.py) against a stack of its own,
with default limits and fresh secrets, as a table of what was tried and whether it was refused;
then Schemathesis over the gateway's and the ingestor's OpenAPI (devtools/fuzz.py). Exits 1 when
an attack got through or Schemathesis found a failure."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from devtools import secretfile
from devtools.attacks import ATTACKS, Attack, Target, setup
from devtools.fuzz import fuzz
from devtools.launcher import ROOT, Stack
from devtools.vhost import isolated_vhost


@dataclass(frozen=True)
class Row:
    area: str
    attack: str
    refused: bool
    seen: str


def _gateway_starts(**env: str) -> tuple[bool, str]:
    """Whether the gateway's settings accept this environment, and the reason when not."""
    code = "from gateway.settings import GatewaySettings; GatewaySettings()"
    good = {"SOCIALDESK_ADMIN_TOKEN": "a" * 40, "SOCIALDESK_JWT_SECRET": "j" * 40}
    base = {k: v for k, v in os.environ.items() if k not in good and k != "SOCIALDESK_ENV"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, **good, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    last = done.stderr.strip().splitlines()[-3:] if done.returncode else ["started"]
    return done.returncode == 0, " / ".join(line.strip() for line in last)[:100]


def _refused_start(**env: str) -> Attack:
    def attack(target: Target) -> tuple[bool, str]:
        started, seen = _gateway_starts(**env)
        return not started, seen

    return attack


def compose_inline_secrets(target: Target) -> tuple[bool, str]:
    compose = (ROOT / "deploy" / "compose.yaml").read_text()
    inline = re.findall(r"(\w*(?:SECRET|TOKEN|KEY)\w*):-", compose)
    return not inline, f"defaults for {inline}" if inline else "none: every secret is required"


SECRETS: list[tuple[str, str, Attack]] = [
    ("secrets", "SOCIALDESK_ENV=Production", _refused_start(SOCIALDESK_ENV="Production")),
    ("secrets", "SOCIALDESK_ENV=prod", _refused_start(SOCIALDESK_ENV="prod")),
    ("secrets", "admin token of 8 characters", _refused_start(SOCIALDESK_ADMIN_TOKEN="admin123")),
    ("secrets", "no JWT secret set", _refused_start(SOCIALDESK_JWT_SECRET="")),
    ("secrets", "secrets inline in deploy/compose.yaml", compose_inline_secrets),
]


def run(target: Target) -> list[Row]:
    setup(target)
    rows = []
    for area, name, attack in [*SECRETS, *ATTACKS]:
        try:
            refused, seen = attack(target)
        except Exception as exc:  # an attack that breaks the pass is a finding, not a crash
            refused, seen = False, f"error: {type(exc).__name__}: {exc}"[:120]
        rows.append(Row(area, name, refused, seen))
    return rows


def table(rows: list[Row]) -> str:
    width = max(len(r.attack) for r in rows)
    lines = [f"{'area':<12} {'attack':<{width}}  {'result':<8} seen", "-" * (width + 60)]
    for r in rows:
        verdict = "refused" if r.refused else "OPEN"
        lines.append(f"{r.area:<12} {r.attack:<{width}}  {verdict:<8} {r.seen}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    # Beside the cross-service tests' ports (SOCIALDESK_TEST_PORT_OFFSET), not on them.
    default_offset = int(os.environ.get("SOCIALDESK_TEST_PORT_OFFSET", "10000")) + 500
    parser.add_argument("--port-offset", type=int, default=default_offset)
    parser.add_argument("--max-examples", type=int, default=15)
    args = parser.parse_args()
    secrets = secretfile.generate()
    with isolated_vhost("socialdesk-security") as url, ExitStack() as cleanup:
        work = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="sd-security-")))
        stack = Stack(
            data_dir=work / "data",
            env={**secrets, "RABBITMQ_URL": url, "SOCIALDESK_LOG_LEVEL": "WARNING"},
            port_offset=args.port_offset,
            log_dir=work / "logs",
        )
        stack.start()
        cleanup.callback(stack.stop)
        stack.wait_healthy(timeout=120)
        target = Target(
            gateway=stack.url("gateway"),
            ingestor=stack.url("ingestor"),
            admin_token=secrets["SOCIALDESK_ADMIN_TOKEN"],
            ingest_key=secrets["SOCIALDESK_INGEST_KEY"],
        )
        rows = run(target)
        print(table(rows), flush=True)
        failures = fuzz(target, max_examples=args.max_examples)
    open_rows = [r for r in rows if not r.refused]
    print(
        f"\n{len(rows) - len(open_rows)} of {len(rows)} attacks refused; "
        f"Schemathesis: {len(failures)} failing operations"
    )
    for failure in failures:
        print(f"  {failure}")
    sys.exit(1 if open_rows or failures else 0)


if __name__ == "__main__":
    main()
