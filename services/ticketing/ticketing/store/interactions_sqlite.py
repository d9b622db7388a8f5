"""Finding and tagging stored interactions on SQLite (mixed into SqliteTicketStore)."""

from __future__ import annotations

import sqlite3
from uuid import UUID

from contracts.tickets import InteractionQuery, StoredInteraction
from servicekit.sqlite import SqliteDatabase
from ticketing.domain.tickets import merge_tags
from ticketing.store.codec import iso

_FIELDS = {
    "channel": "$.interaction.channel",
    "kind": "$.interaction.kind",
    "account": "$.interaction.account",
    "author": "$.interaction.author.id",
}


def _stored(row: sqlite3.Row) -> StoredInteraction:
    return StoredInteraction.model_validate_json(row["body"]).model_copy(
        update={"ticket_id": UUID(row["ticket_id"]) if row["ticket_id"] else None}
    )


class SqliteInteractions:
    _db: SqliteDatabase

    async def get_interaction(self, interaction_id: UUID) -> StoredInteraction | None:
        def select(connection: sqlite3.Connection) -> StoredInteraction | None:
            row = connection.execute(
                "SELECT ticket_id, body FROM interactions WHERE id = ?", (str(interaction_id),)
            ).fetchone()
            return _stored(row) if row else None

        return await self._db.read(select)

    async def list_interactions(
        self, query: InteractionQuery
    ) -> tuple[list[StoredInteraction], int]:
        clauses: list[str] = []
        params: list[object] = []
        for name, path in _FIELDS.items():
            values = [str(v) for v in getattr(query, name)]
            if values:
                clauses.append(
                    f"json_extract(body, '{path}') IN ({', '.join('?' for _ in values)})"
                )
                params.extend(values)
        if query.text:
            # instr over lower(): LIKE would treat the agent's % and _ as wildcards.
            clauses.append("instr(lower(json_extract(body, '$.interaction.text')), ?) > 0")
            params.append(query.text.lower())
        if query.has_ticket is not None:
            clauses.append(f"ticket_id IS {'NOT ' if query.has_ticket else ''}NULL")
        if query.occurred_from is not None:
            clauses.append("occurred_at >= ?")
            params.append(iso(query.occurred_from))
        if query.occurred_to is not None:
            clauses.append("occurred_at < ?")
            params.append(iso(query.occurred_to))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""

        def select(connection: sqlite3.Connection) -> tuple[list[StoredInteraction], int]:
            total = connection.execute(
                f"SELECT COUNT(*) FROM interactions {where}", params
            ).fetchone()[0]
            rows = connection.execute(
                f"SELECT ticket_id, body FROM interactions {where}"
                " ORDER BY occurred_at DESC, id LIMIT ? OFFSET ?",
                [*params, query.page_size, (query.page - 1) * query.page_size],
            ).fetchall()
            return [_stored(r) for r in rows], total

        return await self._db.read(select)

    async def tag_interaction(
        self, interaction_id: UUID, tags: list[str]
    ) -> StoredInteraction | None:
        def tag(connection: sqlite3.Connection) -> StoredInteraction | None:
            row = connection.execute(
                "SELECT ticket_id, body FROM interactions WHERE id = ?", (str(interaction_id),)
            ).fetchone()
            if row is None:
                return None
            stored = _stored(row)
            tagged = stored.model_copy(update={"tags": list(merge_tags(tuple(stored.tags), tags))})
            connection.execute(
                "UPDATE interactions SET body = ? WHERE id = ?",
                (
                    tagged.model_copy(update={"ticket_id": None}).model_dump_json(),
                    str(interaction_id),
                ),
            )
            return tagged

        return await self._db.write(tag)
