"""Canned responses' placeholders (docs/domain.md F20), as pure rules. A tiny whitelist rather
than a template engine: a canned response is text an agent wrote, filled with four known
values, so nothing in it may run code or reach an attribute, and a name we do not know is
refused when the response is saved (never found at sending, in front of a customer)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from contracts.canned import PLACEHOLDER, PLACEHOLDERS

_OPENERS = re.compile(r"\{\{|\{%|\{#")


class PlaceholderRefused(ValueError):
    """An unknown placeholder, or template syntax we do not fill (422 with the reason)."""


def placeholders_in(text: str) -> list[str]:
    """The placeholders ``text`` uses, in order of first use; PlaceholderRefused when it
    names one we do not know or holds a ``{{``, ``{%`` or ``{#`` that is not a placeholder."""
    found: list[str] = []
    for match in PLACEHOLDER.finditer(text):
        name = match.group(1)
        if name not in PLACEHOLDERS:
            raise PlaceholderRefused(
                f"unknown placeholder {{{{ {name} }}}}: the known ones are "
                + ", ".join(f"{{{{ {known} }}}}" for known in PLACEHOLDERS)
            )
        if name not in found:
            found.append(name)
    leftover = _OPENERS.search(PLACEHOLDER.sub("", text))
    if leftover is not None:
        raise PlaceholderRefused(
            f"{leftover.group(0)!r} opens no known placeholder: write them as "
            "{{ customer_name }}, {{ protocol }}, {{ agent_name }} or {{ level }}"
        )
    return found


def fill(text: str, values: Mapping[str, str]) -> str:
    """The text with its placeholders replaced; a value missing (an author without a name)
    leaves it empty rather than showing the customer ``{{ ... }}``."""
    filled: str = PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), "")), text)
    return filled
