"""The rule editor's field help, read from the rules contracts' JSON schema (contracts/rules.py)
so the help cannot drift from what the rules service accepts: every condition, every action
and the parts they hold, with its type, its allowed values and its description."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from contracts.rules import RuleDefinition


@dataclass(frozen=True)
class FieldHelp:
    name: str
    kind: str
    description: str


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    fields: tuple[FieldHelp, ...]


SECTIONS = (
    ("RuleConditions", "when"),
    ("RuleActions", "then"),
    ("OpenTicket", "then.open_ticket"),
    ("AutoReply", "then.auto_reply"),
    ("Digest", "then.digest"),
    ("BusinessHours", "when.business_hours"),
)


def _kind(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    """A property's type in a few words: "list of text", "one of: a, b", "number 1–5"."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        # an enumeration (channels, kinds) is spelt out; a nested block is named (its help below)
        return _kind(defs[name], defs) if "enum" in defs.get(name, {}) else f"{name} block"
    if "anyOf" in schema:
        kinds = [_kind(s, defs) for s in schema["anyOf"] if s.get("type") != "null"]
        return " or ".join(kinds) + (" (optional)" if len(kinds) < len(schema["anyOf"]) else "")
    if "enum" in schema:
        return "one of: " + ", ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    kind = schema.get("type", "value")
    if kind == "array":
        most = f", at most {schema['maxItems']}" if "maxItems" in schema else ""
        return f"list of {_kind(schema.get('items', {}), defs)}{most}"
    if kind == "string":
        if schema.get("format") == "date-time":
            return "date and time (ISO 8601, with its zone)"
        if schema.get("format") == "email":
            return "e-mail address"
        return "text" + (f" matching {schema['pattern']}" if "pattern" in schema else "")
    if kind in ("integer", "number"):
        low, high = schema.get("minimum"), schema.get("maximum")
        bounds = f" {low}–{high}" if low is not None and high is not None else ""
        bounds = bounds or (f" ≥ {low}" if low is not None else "")
        return f"{'whole number' if kind == 'integer' else 'number'}{bounds}"
    if kind == "boolean":
        return "true or false"
    if kind == "object":
        return "object"
    return str(kind)


@cache
def sections() -> tuple[Section, ...]:
    schema = RuleDefinition.model_json_schema()
    defs: dict[str, Any] = schema.get("$defs", {})
    found = []
    for model, where in SECTIONS:
        if model not in defs:
            continue
        definition = defs[model]
        fields = tuple(
            FieldHelp(
                name=name,
                kind=_kind(prop, defs),
                description=" ".join(
                    part
                    for part in (
                        prop.get("description", ""),
                        "e.g. " + " · ".join(str(e) for e in prop["examples"])
                        if prop.get("examples")
                        else "",
                    )
                    if part
                ),
            )
            for name, prop in definition.get("properties", {}).items()
        )
        title = (definition.get("description") or "").strip()
        found.append(Section(name=where, title=" ".join(title.split()), fields=fields))
    return tuple(found)


def field_names() -> dict[str, list[str]]:
    """Each section's field names (what the editor's JSON may hold there)."""
    return {section.name: [f.name for f in section.fields] for section in sections()}
