"""The committed JSON Schema snapshots of the contracts (``schemas/``) and the one check they
all go through. A snapshot must equal its model's schema: a compatible change fails too until
the snapshot is refreshed, so the snapshot is always what is really published and the next
change is compared with that (before, compatible changes passed and the files went stale). A
breaking change is refused, also when refreshing: it needs a new version, not a new snapshot.

Refresh with ``SOCIALDESK_UPDATE_SCHEMAS=1 make unit`` and commit the files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel

SCHEMAS = Path(__file__).parent / "schemas"
REFRESH = "SOCIALDESK_UPDATE_SCHEMAS"


def breaking_changes(old: Any, new: Any, path: str = "$") -> list[str]:
    """What in ``new`` would break a reader or writer built against ``old``."""
    problems = []
    if isinstance(old, dict) and isinstance(new, dict):
        for key in ("type", "format", "$ref"):
            if key in old and old.get(key) != new.get(key):
                problems.append(f"{path}: {key} changed from {old[key]!r} to {new.get(key)!r}")
        if "enum" in old:
            dropped = set(map(str, old["enum"])) - set(map(str, new.get("enum", [])))
            if dropped:
                problems.append(f"{path}: enum values removed: {sorted(dropped)}")
        newly_required = set(new.get("required", [])) - set(old.get("required", []))
        if newly_required:
            problems.append(f"{path}: fields became required: {sorted(newly_required)}")
        for name, schema in old.get("properties", {}).items():
            if name not in new.get("properties", {}):
                problems.append(f"{path}.{name}: field removed")
            else:
                problems += breaking_changes(schema, new["properties"][name], f"{path}.{name}")
        for name, schema in old.get("$defs", {}).items():
            if name in new.get("$defs", {}):
                problems += breaking_changes(schema, new["$defs"][name], f"{path}/$defs/{name}")
        for key in ("items", "anyOf", "allOf", "additionalProperties"):
            if key in old and key in new:
                problems += breaking_changes(old[key], new[key], f"{path}.{key}")
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            problems += breaking_changes(a, b, f"{path}[{i}]")
    return problems


def check_snapshot(contract: type[BaseModel], schemas: Path = SCHEMAS) -> None:
    """``contract``'s schema is compatible with its snapshot and equal to it (refreshing
    writes it, once it is compatible)."""
    check_value(contract.__name__, contract.model_json_schema(), breaking_changes, schemas)


def check_value(
    name: str,
    current: Any,
    breaking: Any,
    schemas: Path = SCHEMAS,
) -> None:
    """The same for any snapshot: ``breaking(kept, current)`` lists what would break."""
    current = json.loads(json.dumps(current))  # as the file keeps it (lists, not tuples)
    path = schemas / f"{name}.json"
    kept = json.loads(path.read_text()) if path.exists() else None
    if kept is not None:
        problems = breaking(kept, current)
        assert not problems, (
            f"{name} changed incompatibly; publish a new version instead:\n" + "\n".join(problems)
        )
    if os.environ.get(REFRESH) == "1":
        path.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
        return
    assert kept is not None, f"no snapshot for {name}: run with {REFRESH}=1"
    assert _without_examples(kept) == _without_examples(current), (
        f"the snapshot of {name} is stale: the model changed (compatibly). Refresh it with"
        f" {REFRESH}=1 make unit and commit it, so the next change is compared with what is"
        " really published."
    )


def _without_examples(schema: Any) -> Any:
    """The schema less its ``examples``: documentation, not contract, and a service may add
    some for its OpenAPI page at import (the gateway does to RuleDefinition), so a schema's
    examples depend on what the test process imported."""
    if isinstance(schema, dict):
        return {k: _without_examples(v) for k, v in schema.items() if k != "examples"}
    if isinstance(schema, list):
        return [_without_examples(v) for v in schema]
    return schema
