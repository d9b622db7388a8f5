"""The groups an author belongs to (docs/domain.md F30): rules put authors in groups, agents
see them beside each interaction."""

from __future__ import annotations

from contracts.interaction import Interaction
from ticketing.store.directory import DirectoryStore

MAX_WRITE_ATTEMPTS = 5


def author_key(interaction: Interaction) -> str:
    return f"{interaction.channel.value}:{interaction.author.id}"


async def add_author_groups(
    store: DirectoryStore, interaction: Interaction, groups: list[str]
) -> None:
    """Put the author in the groups a rule named, keeping the ones they are in; only written
    when something is new."""
    key = author_key(interaction)
    for _ in range(MAX_WRITE_ATTEMPTS):
        current = await store.get_entry("author", key)
        known = list((current or {}).get("groups", []))
        merged = known + [g for g in groups if g not in known]
        if current is not None and merged == known:
            return
        body = {"key": key, "groups": merged}
        saved = (
            await store.replace_entry("author", key, body)
            if current is not None
            else await store.create_entry("author", key, body)
        )
        if saved:
            return
    raise RuntimeError(f"could not record the groups of author {key}")


async def author_groups(
    store: DirectoryStore, interactions: list[Interaction]
) -> dict[str, list[str]]:
    keys = {author_key(i) for i in interactions}
    found = {key: await store.get_entry("author", key) for key in keys}
    return {key: list(body.get("groups", [])) for key, body in found.items() if body}
