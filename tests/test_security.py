"""The attacks of issue 15 against the running stack (devtools/attacks.py; `make security`
runs the same with a table, on a stack of its own, and adds Schemathesis)."""

from __future__ import annotations

import pytest

from devtools.attacks import ATTACKS, Attack, Target, setup
from devtools.launcher import Stack
from tests.support import ADMIN_TOKEN, INGEST_KEY

AWAITING_THE_ACCESS_RULE = {
    "agent lists B's interactions by text",
    "agent lists interactions with no ticket",
    "agent backtests a catch-all draft",
    "agent opens a ticket in B",
    "agent opens a child ticket in B",
    "agent lists every agent's e-mail",
    "deactivated agent keeps using the API",
}
"""Refused by the access rule of issue 15 part 1, which lands on its own branch: until then
these are open (xfail), and pass once it is in."""


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
    [
        pytest.param(
            area,
            attack,
            id=name,
            marks=[pytest.mark.xfail(reason="issue 15 part 1", strict=False)]
            if name in AWAITING_THE_ACCESS_RULE
            else [],
        )
        for area, name, attack in ATTACKS
    ],
)
def test_the_attack_is_refused(target: Target, area: str, attack: Attack) -> None:
    refused, seen = attack(target)
    assert refused, f"{area}: {seen}"
