"""A closed model whose refusal of an unknown field is worded for the person writing a rule."""

from __future__ import annotations

import difflib
import functools
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


class Strict(BaseModel):
    """Unknown fields are refused (a misspelt condition must not silently match everything),
    naming the field, what it probably meant, and what is allowed there."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_fields(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = _known(cls)
        unknown = [key for key in data if isinstance(key, str) and key not in known]
        if unknown:
            key = unknown[0]
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"{key!r} is not something that can be written here{hint}; "
                f"allowed here: {', '.join(sorted(known))}"
            )
        return data


@functools.cache
def _known(model: type[BaseModel]) -> frozenset[str]:
    """The field names and aliases of ``model``, worked out once per class: the check runs on
    every validation, e.g. for each triaged interaction's ``open_ticket`` in ticketing."""
    return frozenset(model.model_fields) | {
        f.alias for f in model.model_fields.values() if f.alias is not None
    }
