"""A level's SLA policy from the administrators' form: an amount and a unit for each target
(first response, next response, resolution; an empty amount is no target) and the statuses
that stop the clock. What the form does not show (targets by priority, where the colour bands
change) is kept from the level as it was. The contracts (``contracts.sla``) check the result."""

from __future__ import annotations

from typing import Any, get_args

from contracts.sla import PausingStatus, Unit
from gateway.console.admin_calls import checkbox
from gateway.console.calls import Refused

TARGETS = ("first_response", "next_response", "resolution")
UNITS: tuple[str, ...] = get_args(Unit)
PAUSING: tuple[str, ...] = get_args(PausingStatus)
DEFAULT_PAUSING = ["pending", "on_hold"]


def form_choices() -> dict[str, Any]:
    """What the SLA form offers, for the levels list (new level) and a level's page."""
    return {"targets": TARGETS, "units": UNITS, "pausing": PAUSING}


def _target(fields: dict[str, str], name: str) -> dict[str, Any] | None:
    amount = fields.get(f"{name}_amount", "").strip()
    if not amount:
        return None
    if not amount.isdigit():
        raise Refused.because(422, f"{name}: {amount!r} is not a whole number")
    return {"amount": int(amount), "unit": fields.get(f"{name}_unit") or "minutes"}


def sla_policy(
    fields: dict[str, str], kept: dict[str, Any] | None, *, pausing_shown: bool
) -> dict[str, Any] | None:
    """The policy the form describes over the one ``kept``; None when it sets no target at all
    (and the level had none by priority), so that the level has no SLA clock."""
    policy = dict(kept or {})
    for name in TARGETS:
        policy[name] = _target(fields, name)
    if pausing_shown:
        policy["pausing_statuses"] = [s for s in PAUSING if checkbox(fields, f"pause_{s}")]
    if not any(policy.get(name) for name in TARGETS) and not policy.get("by_priority"):
        return None
    return policy
