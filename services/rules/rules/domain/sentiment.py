"""The sentiment of an interaction when the network did not give one (docs/domain.md F24).

A review's star rating says it best (1–2 negative, 3 neutral, 4–5 positive). Otherwise a
small lexicon of pt-BR and English opinion words, on the accent-free lower-case text: each
positive word counts +1, each negative word −1, and a negation just before a word ("não
gostei", "not good") turns its sign. The sum's sign is the sentiment; zero is neutral. It is
deliberately simple and explainable: the reason names the words that decided it, so a rule
author can see why and adjust the rule, and nothing needs a model download.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _words(text: str) -> list[str]:
    """A word list written as prose, one space between words."""
    return text.split()


POSITIVE = frozenset(
    _words(
        """
            otimo otima otimos otimas excelente excelentes maravilhoso maravilhosa adorei amei amo
            adoro bom boa bons boas perfeito perfeita parabens obrigado obrigada obrigadao agradeco
            recomendo incrivel satisfeito satisfeita rapido rapida rapidez top feliz felizes lindo
            linda gostei gosto elogio elogiar sensacional eficiente eficientes atencioso atenciosa
            atenciosos resolvido resolvida resolveu solucionado melhor excelencia nota10 show good
            great excellent amazing awesome love loved lovely perfect thanks thank recommend happy
            satisfied fast helpful best wonderful fantastic nice friendly resolved glad
            """
    )
)
NEGATIVE = frozenset(
    _words(
        """
            pessimo pessima pessimos pessimas horrivel horriveis ruim ruins lixo odeio odiei
            decepcao decepcionado decepcionada decepcionante reclamacao reclamar problema problemas
            defeito defeituoso quebrado quebrada quebrou atraso atrasado atrasada atrasou golpe
            fraude absurdo absurda vergonha descaso demora demorado demorada lento lenta pior piores
            insatisfeito insatisfeita reembolso errado errada falha falhou enganado enganada roubo
            palhacada desrespeito porcaria raiva triste nojo processar procon anatel cancelar bad
            terrible awful horrible worst hate hated broken refund scam fraud disappointed
            disappointing poor useless slow late delayed angry rude problem complaint unacceptable
            waste wrong failed fail sucks
            """
    )
)
NEGATIONS = frozenset(
    _words(
        """
            nao nunca nem jamais sem not no never dont didnt doesnt isnt wasnt wont cant
            """
    )
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Reading:
    sentiment: str  # negative, neutral, positive
    reason: str


def read(text: str, rating: int | None = None) -> Reading:
    """``text`` is already normalised (lower case, no accents)."""
    if rating is not None:
        sentiment = "negative" if rating <= 2 else "neutral" if rating == 3 else "positive"
        return Reading(sentiment, f"sentiment is {sentiment} (from the {rating}-star rating)")
    score, seen = 0, []
    negated = False
    for word in _WORD.findall(text.replace("'", "")):
        sign = 1 if word in POSITIVE else -1 if word in NEGATIVE else 0
        if sign:
            score += -sign if negated else sign
            seen.append(f"not {word}" if negated else word)
        negated = word in NEGATIONS
    sentiment = "positive" if score > 0 else "negative" if score < 0 else "neutral"
    if not seen:
        return Reading(sentiment, "sentiment is neutral (no opinion words in the text)")
    words = ", ".join(repr(w) for w in seen)
    return Reading(sentiment, f"sentiment is {sentiment} (from the words {words})")
