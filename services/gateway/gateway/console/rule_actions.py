"""The rule editor's actions as a structured form: one row per action, a select of the
action types the rule language has and the fields the chosen one needs. The types and their
fields are read from the rules contract's JSON schema (contracts/rules.py, ``RuleActions``),
as the field help is, so a new action appears in the form without touching it.

Rows are posted as ``action-<n>-type`` and ``action-<n>-<type>-<field>`` (each type's fields
are named apart, so the hidden fields of the types not chosen are never read). The rows
become the same ``then`` dict the JSON textarea gives; the contract then judges either."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from contracts.rules import RuleActions

Widget = Literal["text", "long_text", "list", "choice"]
VALUE = "value"
"""The one field of an action that is a plain value or list (add_tags, set_priority…)."""
LONG_TEXT = 1_000
"""Text allowed longer than this (templates) gets a text area rather than a line."""
ROW = re.compile(r"action-(\d+)-type")
LIST_SEPARATORS = re.compile(r"[,\n]")


@dataclass(frozen=True)
class ActionField:
    name: str
    widget: Widget
    choices: tuple[str, ...] = ()
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class ActionType:
    name: str
    shape: Literal["flag", "value", "block"]
    fields: tuple[ActionField, ...]
    description: str = ""


def _field(name: str, schema: dict[str, Any], required: bool = False) -> ActionField:
    described = schema.get("description", "")
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    plain = options[0] if options else schema
    if "enum" in plain:
        return ActionField(name, "choice", tuple(plain["enum"]), required, described)
    # A closed set written as a pattern (OpenTicket.status: "^(new|open|pending|on_hold)$").
    closed = re.fullmatch(r"\^\(([\w|]+)\)\$", plain.get("pattern", ""))
    if closed:
        return ActionField(name, "choice", tuple(closed.group(1).split("|")), required, described)
    if plain.get("type") == "array":
        return ActionField(name, "list", (), required, described)
    long = plain.get("maxLength", 0) > LONG_TEXT
    return ActionField(name, "long_text" if long else "text", (), required, described)


@cache
def action_types() -> tuple[ActionType, ...]:
    schema = RuleActions.model_json_schema()
    defs: dict[str, Any] = schema.get("$defs", {})
    found = []
    for name, prop in schema["properties"].items():
        described = prop.get("description", "")
        block = next((s["$ref"] for s in prop.get("anyOf", []) if "$ref" in s), None)
        if block is not None:
            definition = defs[block.rsplit("/", 1)[-1]]
            needed = set(definition.get("required", []))
            fields = tuple(
                _field(field, spec, field in needed)
                for field, spec in definition.get("properties", {}).items()
            )
            text = described or " ".join((definition.get("description") or "").split())
            found.append(ActionType(name, "block", fields, text))
        elif prop.get("type") == "boolean":
            found.append(ActionType(name, "flag", (), described))
        else:
            found.append(ActionType(name, "value", (_field(VALUE, prop, True),), described))
    return tuple(found)


def _types() -> dict[str, ActionType]:
    return {kind.name: kind for kind in action_types()}


@dataclass
class Row:
    """One action as the form shows it: its type ("" for a row not chosen yet) and each
    field's text as typed."""

    type: str
    values: dict[str, str]


def _items(text: str) -> list[str]:
    return [item.strip() for item in LIST_SEPARATORS.split(text) if item.strip()]


def rows_of_form(fields: dict[str, str]) -> list[Row]:
    """The rows as posted, in their order on the page."""
    numbers = sorted(int(m.group(1)) for key in fields if (m := ROW.fullmatch(key)))
    kinds = _types()
    rows = []
    for n in numbers:
        chosen = fields.get(f"action-{n}-type", "")
        kind = kinds.get(chosen)
        values = (
            {f.name: fields.get(f"action-{n}-{chosen}-{f.name}", "") for f in kind.fields}
            if kind
            else {}
        )
        rows.append(Row(chosen, values))
    return rows


def actions_of_rows(rows: list[Row]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The ``then`` dict the rows make, and what is wrong in them that the contract could
    not say (an unknown type, a type in two rows). Empty rows are left out."""
    kinds = _types()
    then: dict[str, Any] = {}
    problems = []
    for number, row in enumerate(rows, start=1):
        if not row.type:
            continue
        kind = kinds.get(row.type)
        if kind is None:
            problems.append(("then", f"action {number}: there is no action {row.type!r}"))
            continue
        if kind.shape == "flag":
            then[kind.name] = True
            continue
        if kind.shape == "value":
            (field,) = kind.fields
            text = row.values.get(field.name, "")
            if field.widget == "list":
                # Two rows of the same list (tags twice) add up, as one would expect.
                then[kind.name] = [*then.get(kind.name, []), *_items(text)]
                continue
            value: Any = text.strip()
        else:
            value = {
                f.name: _items(text) if f.widget == "list" else text.strip()
                for f in kind.fields
                if (text := row.values.get(f.name, "")).strip() or f.required
            }
        if kind.name in then:
            problems.append(
                (f"then → {kind.name}", f"action {number} repeats this action: keep one row")
            )
            continue
        then[kind.name] = value
    return then, problems


def rows_of_actions(then: Any) -> list[Row]:
    """A ``then`` dict (a stored rule's, or the JSON typed) as rows; what the form cannot
    show (a misspelt action) is left to the JSON, which is shown beside."""
    if not isinstance(then, dict):
        return []
    kinds = _types()
    rows = []
    for name, value in then.items():
        kind = kinds.get(name)
        if kind is None or value in (None, False, [], {}):
            continue
        if kind.shape == "flag":
            rows.append(Row(name, {}))
        elif kind.shape == "value":
            (field,) = kind.fields
            rows.append(Row(name, {field.name: _text(value)}))
        elif isinstance(value, dict):
            rows.append(Row(name, {f.name: _text(value.get(f.name)) for f in kind.fields}))
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def rows_for(fields: dict[str, str]) -> list[Row]:
    """The rows the editor shows: as posted in form mode, else read from the actions' JSON;
    at least one (empty) row, to start from."""
    if fields.get("then_mode") == "form":
        rows = rows_of_form(fields)
    else:
        try:
            rows = rows_of_actions(json.loads(fields.get("then") or "{}"))
        except json.JSONDecodeError:
            rows = []
    return rows or [Row("", {})]
