"""People on SQLite: plain functions over a connection; ``write`` runs inside the store's
write transaction, so a unification or split is all or nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from uuid import UUID

from contracts.persons import PersonQuery
from ticketing.domain import persons
from ticketing.domain.persons import PersonRecord
from ticketing.store.people import IdentityTaken, StalePerson


def get(connection: sqlite3.Connection, person_id: UUID) -> PersonRecord | None:
    row = connection.execute("SELECT body FROM people WHERE id = ?", (str(person_id),)).fetchone()
    return PersonRecord.model_validate_json(row[0]) if row else None


def of_identity(connection: sqlite3.Connection, identity: str) -> PersonRecord | None:
    row = connection.execute(
        "SELECT p.body FROM person_identities i JOIN people p ON p.id = i.person_id"
        " WHERE i.key = ?",
        (identity,),
    ).fetchone()
    return PersonRecord.model_validate_json(row[0]) if row else None


def with_terms(
    connection: sqlite3.Connection, terms: Sequence[str], limit: int
) -> list[PersonRecord]:
    if not terms:
        return []
    rows = connection.execute(
        "SELECT body FROM people WHERE id IN (SELECT person_id FROM person_terms WHERE term IN"
        f" ({', '.join('?' for _ in terms)})) ORDER BY name_key, id LIMIT ?",
        [*terms, limit],
    )
    return [PersonRecord.model_validate_json(row[0]) for row in rows]


def page(connection: sqlite3.Connection, query: PersonQuery) -> tuple[list[PersonRecord], bool]:
    clauses, params = group_and_channel(query)
    if query.q:
        clauses.append("search LIKE ? ESCAPE '\\'")
        params.append(f"%{_escape(query.q.casefold())}%")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = connection.execute(
        f"SELECT body FROM people {where} ORDER BY name_key, id LIMIT ? OFFSET ?",
        [*params, query.page_size + 1, (query.page - 1) * query.page_size],
    ).fetchall()
    found = [PersonRecord.model_validate_json(row[0]) for row in rows[: query.page_size]]
    return found, len(rows) > query.page_size


def group_and_channel(query: PersonQuery) -> tuple[list[str], list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    for terms in (
        [f"group:{g.casefold()}" for g in query.group],
        [f"channel:{c.value}" for c in query.channel],
    ):
        if terms:
            clauses.append(
                "id IN (SELECT person_id FROM person_terms WHERE term IN"
                f" ({', '.join('?' for _ in terms)}))"
            )
            params.extend(terms)
    return clauses, params


def tickets_of_groups(groups: Sequence[str]) -> tuple[str, list[str]]:
    """The ticket list's ``group`` filter: tickets holding an interaction by an identity of a
    person in one of the groups (person_terms -> person_identities -> interactions by
    author, each an index lookup)."""
    terms = [f"group:{g.casefold()}" for g in groups]
    return (
        "id IN (SELECT i.ticket_id FROM person_terms t"
        " JOIN person_identities d ON d.person_id = t.person_id"
        " JOIN interactions i ON i.author = substr(d.key, instr(d.key, ':') + 1)"
        " AND i.channel = substr(d.key, 1, instr(d.key, ':') - 1)"
        f" WHERE t.term IN ({', '.join('?' for _ in terms)}) AND i.ticket_id IS NOT NULL)",
        list(terms),
    )


def write(
    connection: sqlite3.Connection,
    save: Sequence[PersonRecord],
    delete: Sequence[PersonRecord],
) -> list[PersonRecord]:
    for person in [*save, *delete]:
        row = connection.execute(
            "SELECT version FROM people WHERE id = ?", (str(person.id),)
        ).fetchone()
        if (row[0] if row else 0) != person.version:
            raise StalePerson(str(person.id))
    involved = {str(p.id) for p in [*save, *delete]}
    for person in delete:
        connection.execute("DELETE FROM people WHERE id = ?", (str(person.id),))
        connection.execute("DELETE FROM person_terms WHERE person_id = ?", (str(person.id),))
        connection.execute("DELETE FROM person_identities WHERE person_id = ?", (str(person.id),))
    saved = []
    for person in save:
        stored = person.model_copy(update={"version": person.version + 1})
        pid = str(person.id)
        for identity in person.identities:
            row = connection.execute(
                "SELECT person_id FROM person_identities WHERE key = ?", (identity.key,)
            ).fetchone()
            if row and row[0] != pid and row[0] not in involved:
                raise IdentityTaken(identity.key)
        connection.execute("DELETE FROM person_identities WHERE person_id = ?", (pid,))
        connection.executemany(
            "INSERT INTO person_identities (key, person_id) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET person_id = excluded.person_id",
            [(i.key, pid) for i in person.identities],
        )
        connection.execute("DELETE FROM person_terms WHERE person_id = ?", (pid,))
        connection.executemany(
            "INSERT INTO person_terms (term, person_id) VALUES (?, ?)",
            [(term, pid) for term in sorted(persons.terms(person))],
        )
        connection.execute(
            "INSERT INTO people (id, name_key, search, body, version) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET name_key = excluded.name_key,"
            " search = excluded.search, body = excluded.body, version = excluded.version",
            (
                pid,
                person.name.casefold(),
                persons.search_text(person),
                stored.model_dump_json(),
                stored.version,
            ),
        )
        saved.append(stored)
    return saved


def make_new(connection: sqlite3.Connection, person: PersonRecord | None) -> None:
    """An author first seen (version 0), made by the write storing its interaction unless a
    person holds one of its identities: another writer made it meanwhile, and theirs is kept
    (a person first seen is in no group and unified with nobody, so nothing of it is lost).
    Inserts only: ``write``'s reads and deletes find nothing to do for a new person."""
    if person is None:
        return
    pid = str(person.id)
    held = connection.executemany(
        "INSERT INTO person_identities (key, person_id) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
        [(i.key, pid) for i in person.identities],
    ).rowcount
    if held != len(person.identities):
        if held:  # some were free: give them back, this person is not made
            connection.execute("DELETE FROM person_identities WHERE person_id = ?", (pid,))
        return
    connection.executemany(
        "INSERT INTO person_terms (term, person_id) VALUES (?, ?)",
        [(term, pid) for term in sorted(persons.terms(person))],
    )
    stored = person.model_copy(update={"version": person.version + 1})
    connection.execute(
        "INSERT INTO people (id, name_key, search, body, version) VALUES (?, ?, ?, ?, ?)",
        (
            pid,
            person.name.casefold(),
            persons.search_text(person),
            stored.model_dump_json(),
            stored.version,
        ),
    )


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
