"""Which conversation an interaction belongs to (docs/domain.md F2)."""

from __future__ import annotations

from contracts.interaction import Interaction, Kind


def thread_key(interaction: Interaction) -> str:
    """Direct messages group by the author on one account (networks give each DM its own id
    but the customer sees one chat); everything else groups by the network's thread."""
    channel = interaction.channel.value
    if interaction.kind is Kind.DIRECT_MESSAGE:
        return f"{channel}:{interaction.account}:dm:{interaction.author.id}"
    return f"{channel}:thread:{interaction.conversation_id}"
