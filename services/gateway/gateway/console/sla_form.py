"""A level's SLA policy from the administrators' form: an amount and a unit for each target
(first response, next response, resolution; an empty amount is no target), the statuses that
stop the clock, the same targets for each priority (``<priority>:<target>_amount``; a priority
with none uses the level's), and where the colour bands change, as percentages of the target
used. What a form does not show (the new-level form shows neither priorities nor bands) is kept
from the level as it was. The contracts (``contracts.sla``) check the result."""

from __future__ import annotations

from typing import Any, get_args

from contracts.sla import PausingStatus, Unit
from gateway.console.admin_calls import checkbox
from gateway.console.calls import Refused

TARGETS = ("first_response", "next_response", "resolution")
UNITS: tuple[str, ...] = get_args(Unit)
PAUSING: tuple[str, ...] = get_args(PausingStatus)
DEFAULT_PAUSING = ["pending", "on_hold"]
BANDS = {"yellow_at": 0.5, "red_at": 0.8}
"""Where the bands change, with the contracts' defaults (``SlaPolicy``)."""


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


def _by_priority(fields: dict[str, str], kept: dict[str, Any]) -> dict[str, Any] | None:
    """The targets by priority the form shows over the ones ``kept``; None when it shows
    none. A priority whose fields are all empty loses its own targets."""
    shown = {key.rpartition(":")[0] for key in fields if key.endswith("_amount") and ":" in key}
    if not shown:
        return None
    by_priority = dict(kept)
    for priority in sorted(shown):
        targets = {name: _target(fields, f"{priority}:{name}") for name in TARGETS}
        if any(targets.values()):
            by_priority[priority] = targets
        else:
            by_priority.pop(priority, None)
    return by_priority


def _share(fields: dict[str, str], name: str) -> float | None:
    """A band's threshold from its percentage field; None when the form has no such field
    (or leaves it empty: the contracts' default)."""
    typed = fields.get(name, "").strip().replace(",", ".")
    if not typed:
        return None
    try:
        return float(typed) / 100
    except ValueError:
        raise Refused.because(422, f"{name}: {typed!r} is not a percentage") from None


def band_percents(sla: dict[str, Any]) -> dict[str, str]:
    """The policy's band thresholds as the form shows them: percentages, ``"50"``, ``"62.5"``."""
    return {name: f"{float(sla.get(name) or default) * 100:g}" for name, default in BANDS.items()}


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
    by_priority = _by_priority(fields, policy.get("by_priority") or {})
    if by_priority is not None:
        policy["by_priority"] = by_priority
    for band, default in BANDS.items():
        if band in fields:
            share = _share(fields, band)
            policy[band] = default if share is None else share
    if not any(policy.get(name) for name in TARGETS) and not policy.get("by_priority"):
        return None
    return policy
