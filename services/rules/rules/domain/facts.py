"""What the conditions look at in one interaction, normalised once however many rules run."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from contracts.interaction import Interaction
from rules.domain import language, sentiment
from rules.domain.text import normalize
from servicekit.business_time import BusinessCalendar

_WORD = re.compile(r"\w+")


@dataclass
class Facts:
    interaction: Interaction
    calendars: Mapping[str, BusinessCalendar] = field(default_factory=dict)
    """The business calendars known now, for ``business_hours`` conditions that name one."""
    groups: frozenset[str] = frozenset()
    """The groups of the author's person (casefolded), as the rules service's copy knows them."""

    @cached_property
    def text(self) -> str:
        return normalize(self.interaction.text)

    @cached_property
    def bio(self) -> str:
        return normalize(self.interaction.author.bio)

    @cached_property
    def words(self) -> set[str]:
        return set(_WORD.findall(self.text))

    @cached_property
    def links(self) -> list[str]:
        return [normalize(str(link)) for link in self.interaction.links]

    @cached_property
    def sentiment(self) -> sentiment.Reading:
        """Computed only when a rule asks, once however many rules ask."""
        return sentiment.read(self.text, self.interaction.rating)

    @cached_property
    def language(self) -> tuple[str | None, str]:
        """The language and where it came from: the interaction, or a guess from its text."""
        given = self.interaction.language
        if given:
            return given, "given"
        return language.guess(self.text), "detected from its common words"

    @property
    def from_brand(self) -> bool:
        """The brand's own account wrote it: sent by us, or posted by the page itself."""
        interaction = self.interaction
        return interaction.direction.value == "outbound" or interaction.account in {
            interaction.author.id,
            interaction.author.handle,
        }


def first_word(phrase: str) -> str | None:
    """The word a phrase is filed under in the rule index (None: it has no word characters)."""
    found = _WORD.search(phrase)
    return found.group(0) if found else None
