"""A calendar's hours as an administrator types them in one field: ``09:00-12:00, 13:00-18:00``
(a day's openings, comma-separated; an empty field is a closed day), and back. The times
themselves are checked by the contracts (``contracts.calendars.Opening``), whose reasons the
page shows; this only splits the text."""

from __future__ import annotations

import re
from typing import Any

_SEPARATOR = re.compile(r"\s*[-–—]\s*")


class HoursText(ValueError):
    """A piece of the field that is not ``start-end``."""


def openings(text: str) -> list[dict[str, str]]:
    """``"09:00-12:00, 13:00-18:00"`` → two openings; ``""`` → none (closed)."""
    found = []
    for piece in (p.strip() for p in text.split(",")):
        if not piece:
            continue
        parts = _SEPARATOR.split(piece)
        if len(parts) != 2 or not all(parts):
            raise HoursText(f"{piece!r} is not an opening: write it as 09:00-18:00")
        found.append({"start": parts[0], "end": parts[1]})
    return found


def hours_text(hours: list[dict[str, Any]] | None) -> str:
    """The openings as the field shows them."""
    return ", ".join(f"{h['start']}-{h['end']}" for h in hours or [])
