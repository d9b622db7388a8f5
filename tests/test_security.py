"""The attacks of issue 15 against the running stack (devtools/attacks.py; `make security`
runs the same with a table, on a stack of its own, and adds Schemathesis)."""

from __future__ import annotations

import pytest

from devtools.attacks import ATTACKS, Attack, Target, setup
from devtools.launcher import Stack
from tests.support import ADMIN_TOKEN, INGEST_KEY


@pytest.fixture(scope="module")
def target(stack: Stack) -> Target:
    prepared = Target(
        gateway=stack.url("gateway"),
        ingestor=stack.url("ingestor"),
        admin_token=ADMIN_TOKEN,
        ingest_key=INGEST_KEY,
        opinion_limit=int(stack.env["GATEWAY_OPINION_REQUESTS_PER_MINUTE"]),
    )
    setup(prepared)
    return prepared


@pytest.mark.parametrize(
    ("area", "attack"),
    [pytest.param(area, attack, id=name) for area, name, attack in ATTACKS],
)
def test_the_attack_is_refused(target: Target, area: str, attack: Attack) -> None:
    refused, seen = attack(target)
    assert refused, f"{area}: {seen}"
