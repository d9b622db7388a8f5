"""The rule editor's form read into a draft rule: the structured fields (name, active, order,
stop, dates), the JSON of the full condition tree, and the actions either as the form's rows
(console/rule_actions.py) or as JSON (the advanced alternative), as ``then_mode`` says.
Whatever is wrong comes back as (where, why) pairs the page shows beside the field, in the
words of the same contract the rules service validates with."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from contracts.interaction import Interaction
from contracts.rpc import RpcError
from contracts.rules import RuleDefinition
from gateway.console.rule_actions import actions_of_rows, rows_of_form

Problem = tuple[str, str]
"""(where, why): where is "when", "then → open_ticket → priority", "name"…"""


@dataclass
class Draft:
    """The editor's fields as typed (to show them again) and the rule they make, if valid."""

    fields: dict[str, str]
    rule: RuleDefinition | None = None
    problems: list[Problem] = field(default_factory=list)

    def problems_of(self, part: str) -> list[str]:
        return [why for where, why in self.problems if where.split(" → ")[0] == part]


def _moment(value: str) -> str | None:
    """A datetime-local field ("2026-12-01T09:30") in UTC, as the editor says it is."""
    if not value.strip():
        return None
    moment = datetime.fromisoformat(value.strip())
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _json(fields: dict[str, str], name: str, problems: list[Problem]) -> Any:
    text = fields.get(name, "").strip() or "{}"
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(
            (name, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
        )
        return None


def problems_of(exc: ValidationError, prefix: tuple[str, ...] = ()) -> list[Problem]:
    return [
        (
            " → ".join(str(part) for part in (*prefix, *error["loc"])) or "rule",
            str(error["msg"]).removeprefix("Value error, "),
        )
        for error in exc.errors(include_url=False)
    ]


def refusal_problems(error: RpcError) -> list[Problem]:
    """The rules service's 422, each refused value where it is; its detail otherwise."""
    found = [
        (" → ".join(str(p) for p in item.loc if p not in ("body", "rule")) or "rule", item.msg)
        for item in error.errors
    ]
    return found or [("rule", error.detail)]


def read_draft(fields: dict[str, str]) -> Draft:
    problems: list[Problem] = []
    then: Any
    if fields.get("then_mode") == "form":
        then, problems = actions_of_rows(rows_of_form(fields))
        # The JSON beside the form shows what the rows make, to read or to go on from there.
        fields = {**fields, "then": json.dumps(then, indent=2, ensure_ascii=False)}
    else:
        then = _json(fields, "then", problems)
    when = _json(fields, "when", problems)
    shape: dict[str, Any] = {
        "name": fields.get("name", ""),
        "active": fields.get("active") == "1",
        "stop_processing": fields.get("stop_processing") == "1",
        "order": fields.get("order") or 0,
        "when": when if when is not None else {},
        "then": then if then is not None else {},
    }
    for name in ("starts_at", "ends_at"):
        try:
            shape[name] = _moment(fields.get(name, ""))
        except ValueError:
            problems.append((name, "not a date and time"))
    if problems:
        return Draft(fields=fields, problems=problems)
    try:
        return Draft(fields=fields, rule=RuleDefinition.model_validate(shape))
    except ValidationError as exc:
        return Draft(fields=fields, problems=problems_of(exc))


def fields_of(rule: RuleDefinition) -> dict[str, str]:
    """A stored rule as the editor's fields."""
    return {
        "name": rule.name,
        "active": "1" if rule.active else "",
        "stop_processing": "1" if rule.stop_processing else "",
        "order": str(rule.order),
        "starts_at": rule.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
        if rule.starts_at
        else "",
        "ends_at": rule.ends_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if rule.ends_at else "",
        "when": json.dumps(
            rule.when.model_dump(mode="json", exclude_defaults=True), indent=2, ensure_ascii=False
        ),
        "then": json.dumps(
            rule.then.model_dump(mode="json", exclude_defaults=True), indent=2, ensure_ascii=False
        ),
    }


NEW_RULE = {
    "name": "",
    "active": "1",
    "stop_processing": "",
    "order": "0",
    "starts_at": "",
    "ends_at": "",
    "when": json.dumps({"text_any": ["procon"]}, indent=2),
    "then": json.dumps({"open_ticket": {"priority": "high"}, "add_tags": ["procon"]}, indent=2),
}


def read_interaction(text: str) -> tuple[Interaction | None, list[Problem]]:
    """The pasted interaction the dry run tries the draft on."""
    try:
        return Interaction.model_validate_json(text), []
    except ValidationError as exc:
        return None, problems_of(exc, ("interaction",))
