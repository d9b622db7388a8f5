"""Accent- and case-insensitive text, so "anatel" finds "ANATÉL" (DOMAIN.md F24)."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize(text: str) -> str:
    return _SPACES.sub(" ", strip_accents(text.casefold())).strip()


def phrase_pattern(phrases: list[str]) -> re.Pattern[str] | None:
    """One pattern finding any of the phrases as whole words ("anatel" does not match
    "anatelecom"); spaces inside a phrase match any run of white space."""
    alternatives = sorted({normalize(p) for p in phrases if normalize(p)}, key=len, reverse=True)
    if not alternatives:
        return None
    body = "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in alternatives)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")
