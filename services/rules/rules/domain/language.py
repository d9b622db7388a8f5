"""The language of an interaction that does not say it, guessed from common words.

Networks often give the language; when they do not, a rule about language still has to
decide. The guess counts the most frequent short words ("que", "não", "the", "and", "el"…)
of Portuguese, English and Spanish, the languages this product's customers write in, and
answers only when one language clearly leads (at least two of its words, and more than any
other); otherwise it answers None and a language condition does not hold. No library fitted:
the maintained detectors need a model download or weigh far more than this needs.
"""

from __future__ import annotations

import re


def _words(text: str) -> list[str]:
    """A word list written as prose, one space between words."""
    return text.split()


COMMON_WORDS: dict[str, frozenset[str]] = {
    "pt": frozenset(
        _words(
            """
            que nao de do da dos das em no na nos nas um uma com para por pra mais muito como mas
            foi ser tem esta estou voces voce eu meu minha ate isso esse essa ja ainda tambem quando
            porque pelo pela sao seu sua obrigado obrigada entao aqui agora
            """
        )
    ),
    "en": frozenset(
        _words(
            """
            the and is are was were to of in on for with this that it my your you have has not but
            be at from they we will would can could just what when there their our
            """
        )
    ),
    "es": frozenset(
        _words(
            """
            el la los las que de del en un una con para por pero muy como esta estoy es son y no su
            sus mi yo ya hay porque cuando tambien gracias aqui ahora usted ustedes
            """
        )
    ),
}
_WORD = re.compile(r"[a-z]+")


def guess(text: str) -> str | None:
    """``text`` is already normalised (lower case, no accents)."""
    words = _WORD.findall(text)
    counts = {lang: sum(w in common for w in words) for lang, common in COMMON_WORDS.items()}
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    return best if top >= 2 and top > second else None
