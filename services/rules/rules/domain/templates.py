"""Ticket titles and automatic replies from a rule's template."""

from __future__ import annotations

from string import Template

from contracts.interaction import Interaction


def render(template: str, interaction: Interaction) -> str:
    """``$author_name`` and friends are replaced; an unknown ``$name`` is left as written, so a
    typo shows in the result instead of failing the whole decision."""
    return Template(template).safe_substitute(
        author_name=interaction.author.name or interaction.author.handle or interaction.author.id,
        author_handle=interaction.author.handle,
        channel=interaction.channel.value,
        account=interaction.account,
        kind=interaction.kind.value,
        text=interaction.text,
    )
