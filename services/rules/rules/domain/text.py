"""Accent- and case-insensitive text, so "anatel" finds "ANATÉL" (docs/domain.md F24)."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


class _Unaccented(dict[int, str]):
    """Each character without its accents (its compatibility decomposition minus the combining
    marks), worked out the first time the character is seen. ``str.translate`` through this
    table runs in C: per character, a Python loop cost half of an evaluation's time."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        value = "".join(c for c in decomposed if not unicodedata.combining(c))
        self[code] = value
        return value


_UNACCENTED = _Unaccented()


def strip_accents(text: str) -> str:
    return text if text.isascii() else text.translate(_UNACCENTED)


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
