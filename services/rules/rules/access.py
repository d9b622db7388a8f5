"""What a caller may see and do with rules (docs/api.md "Who sees what"). The gateway tells
who calls; ticketing, which keeps the agents, has already refused a deactivated one.

Rules are shared by the whole desk, so every agent reads them, but not the people they
e-mail: the alert and share addresses are for administrators. Backtests read the log of
every triaged interaction, of every level and of none; the log does not know which level
each interaction ended in, so a backtest is for administrators only."""

from __future__ import annotations

from typing import TypeVar

from contracts.rpc import Caller
from contracts.rules import RuleChange, RuleDefinition
from servicekit import rpc


class Forbidden(rpc.RpcFailure):
    status = 403
    code = "forbidden"


def require_admin(caller: Caller, *, what: str = "do this") -> None:
    if caller.role != "admin":
        raise Forbidden(f"only an administrator can {what}")


R = TypeVar("R", bound=RuleDefinition)


def shown(rule: R, caller: Caller) -> R:
    """The rule as the caller may read it: without its e-mail addresses for agents."""
    if caller.role == "admin":
        return rule
    hidden = rule.then.model_copy(update={"alert_emails": [], "share_emails": []})
    return rule.model_copy(update={"then": hidden})


def change_shown(change: RuleChange, caller: Caller) -> RuleChange:
    return change.model_copy(
        update={
            "before": change.before and shown(change.before, caller),
            "after": change.after and shown(change.after, caller),
        }
    )
