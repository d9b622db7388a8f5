"""People behind the authors (docs/domain.md F28-F30): a person per author first, unified with
others when a verified tax id or e-mail matches, split apart again as they were. Pure: the
time, the ids and the actor are parameters."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from pydantic import Field

from contracts.interaction import Channel, Interaction
from contracts.persons import Identity, PersonChange, PersonPatch, PersonRead, Unification

T = TypeVar("T")

EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PersonRecord(PersonRead):
    """A person as the store keeps it: the read model plus its history and the people it was
    split from (never unified with them again automatically)."""

    history: list[PersonChange] = []
    apart: list[UUID] = Field(default=[], description="People split from this one.")


def identity_key(channel: Channel | str, author_id: str) -> str:
    return f"{Channel(channel).value}:{author_id}"


def identity_of(interaction: Interaction) -> Identity:
    """The author as an identity; an e-mail's sender address is the one e-mail a channel
    proves, so it is kept as the identity's e-mail."""
    author = interaction.author
    address = author.id.strip().lower()
    email = address if interaction.channel is Channel.EMAIL and EMAIL_SHAPE.match(address) else None
    return Identity(
        key=identity_key(interaction.channel, author.id),
        channel=interaction.channel,
        author_id=author.id,
        name=author.name,
        handle=author.handle,
        email=email,
    )


def new_person(
    identity: Identity, *, person_id: UUID, now: datetime, groups: Sequence[str] = ()
) -> PersonRecord:
    """The author's own person; ``groups`` are those it already had (kept per author by
    earlier versions)."""
    return PersonRecord(
        id=person_id,
        name=identity.name or identity.handle or identity.author_id,
        emails=[identity.email] if identity.email else [],
        identities=[identity],
        channels=[identity.channel],
        groups=_unique(groups),
        created_at=now,
        updated_at=now,
        version=0,
        history=[PersonChange(at=now, actor="system", action="created", after=identity.key)],
    )


def tax_id(text: str) -> str:
    """The digits of a valid CPF (11) or CNPJ (14); ValueError otherwise."""
    digits = re.sub(r"[.\-/\s]", "", text)
    if not digits.isdigit() or len(digits) not in (11, 14):
        raise ValueError("a tax id is a CPF (11 digits) or a CNPJ (14 digits)")
    if len(set(digits)) == 1:
        raise ValueError("a tax id of one repeated digit is not valid")
    valid = _cpf_valid(digits) if len(digits) == 11 else _cnpj_valid(digits)
    if not valid:
        raise ValueError("the tax id's check digits do not match")
    return digits


def _check_digit(digits: str, weights: Sequence[int]) -> int:
    rest = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if rest < 2 else 11 - rest


def _cpf_valid(digits: str) -> bool:
    first = _check_digit(digits[:9], range(10, 1, -1))
    second = _check_digit(digits[:10], range(11, 1, -1))
    return digits[9:] == f"{first}{second}"


def _cnpj_valid(digits: str) -> bool:
    weights = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    first = _check_digit(digits[:12], weights)
    second = _check_digit(digits[:13], [6, *weights])
    return digits[12:] == f"{first}{second}"


def match_keys(person: PersonRead) -> set[str]:
    """What unifies people: their e-mails (proved by a channel or entered by an agent) and
    their validated tax id."""
    keys = {f"email:{e.lower()}" for e in person.emails}
    if person.tax_id:
        keys.add(f"tax_id:{person.tax_id}")
    return keys


def terms(person: PersonRead) -> set[str]:
    """The index terms a person is found by: match keys, groups and channels."""
    return (
        match_keys(person)
        | {f"group:{g.casefold()}" for g in person.groups}
        | {f"channel:{c.value}" for c in person.channels}
    )


def search_text(person: PersonRead) -> str:
    parts = [person.name, person.tax_id or "", *person.emails, *person.phones]
    parts += [f"{i.name} {i.handle} {i.author_id}" for i in person.identities]
    return " ".join(parts).casefold()


def edit(person: PersonRecord, patch: PersonPatch, *, actor: str, now: datetime) -> PersonRecord:
    """The person with the patch applied and one history line per changed field; ValueError
    for a tax id that is not valid."""
    changes: dict[str, Any] = {}
    if patch.name is not None:
        changes["name"] = patch.name
    if "tax_id" in patch.model_fields_set:
        changes["tax_id"] = tax_id(patch.tax_id) if patch.tax_id else None
    if patch.emails is not None:
        changes["emails"] = _unique(e.lower() for e in patch.emails)
    if patch.phones is not None:
        changes["phones"] = _unique(patch.phones)
    if patch.fields is not None:
        fields = dict(person.fields)
        for name, value in patch.fields.items():
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = value
        changes["fields"] = fields
    lines = [
        PersonChange(
            at=now,
            actor=actor,
            action="edited",
            field=name,
            before=getattr(person, name),
            after=value,
        )
        for name, value in changes.items()
        if getattr(person, name) != value
    ]
    if not lines:
        return person
    return person.model_copy(
        update={**changes, "updated_at": now, "history": [*person.history, *lines]}
    )


def unify(
    keep: PersonRecord,
    absorb: PersonRecord,
    *,
    unification_id: UUID,
    actor: str,
    reason: str,
    now: datetime,
) -> PersonRecord:
    """``keep`` with ``absorb``'s identities and data (``keep``'s values win where both have
    one), remembering what ``absorb`` was so a split restores it."""
    record = Unification(
        id=unification_id,
        at=now,
        actor=actor,
        reason=reason,
        absorbed_id=absorb.id,
        identities=[i.key for i in absorb.identities],
        data={**_own_data(absorb), "kept": _own_data(keep)},
    )
    fields = {**absorb.fields, **keep.fields}
    return keep.model_copy(
        update={
            "tax_id": keep.tax_id or absorb.tax_id,
            "emails": _unique([*keep.emails, *absorb.emails]),
            "phones": _unique([*keep.phones, *absorb.phones]),
            "fields": fields,
            "identities": [*keep.identities, *absorb.identities],
            "groups": _unique([*keep.groups, *absorb.groups]),
            "channels": _unique([*keep.channels, *absorb.channels]),
            "unifications": [*keep.unifications, record],
            "apart": [p for p in keep.apart if p != absorb.id],
            "updated_at": now,
            "history": [
                *keep.history,
                PersonChange(
                    at=now,
                    actor=actor,
                    action="unified",
                    reason=reason,
                    after=str(absorb.id),
                    detail={"unification": str(unification_id), "identities": record.identities},
                ),
            ],
        }
    )


class CannotSplit(ValueError):
    pass


def split(
    person: PersonRecord,
    *,
    unification: UUID | None,
    identities: Sequence[str],
    new_id: UUID,
    actor: str,
    reason: str,
    now: datetime,
) -> tuple[PersonRecord, PersonRecord]:
    """(what stays, what leaves). Naming a unification gives the absorbed person back as it
    was, with its id; otherwise the named identities leave as a new person. The two are kept
    apart from then on. CannotSplit when nothing would leave or nothing would stay."""
    record = next((u for u in person.unifications if u.id == unification), None)
    if unification is not None and record is None:
        raise CannotSplit(f"this person has no unification {unification}")
    leaving_keys = set(record.identities if record else identities)
    leaving = [i for i in person.identities if i.key in leaving_keys]
    staying = [i for i in person.identities if i.key not in leaving_keys]
    if not leaving or not staying:
        raise CannotSplit("a split needs identities that leave and identities that stay")
    data: dict[str, Any] = dict(record.data) if record else {}
    kept: dict[str, Any] = data.pop("kept", {})
    off_id = record.absorbed_id if record else new_id
    off = PersonRecord(
        id=off_id,
        name=data.get("name") or leaving[0].name or leaving[0].handle or leaving[0].author_id,
        tax_id=data.get("tax_id"),
        emails=data.get("emails") or _unique(i.email for i in leaving if i.email),
        phones=data.get("phones", []),
        fields=data.get("fields", {}),
        identities=leaving,
        groups=data.get("groups", []),
        channels=_unique(i.channel for i in leaving),
        created_at=data.get("created_at", now),
        updated_at=now,
        version=0,
        apart=[person.id],
        history=[
            PersonChange(
                at=now,
                actor=actor,
                action="split",
                reason=reason,
                before=str(person.id),
                detail={"identities": [i.key for i in leaving]},
            )
        ],
    )
    came_with = set(off.emails) - set(kept.get("emails", []))
    rest = person.model_copy(
        update={
            "emails": [
                e for e in person.emails if e not in came_with and e not in _proved(leaving)
            ],
            "phones": [
                p for p in person.phones if not record or p in kept["phones"] or p not in off.phones
            ],
            "tax_id": (
                kept.get("tax_id")
                if record and person.tax_id == off.tax_id and off.tax_id
                else person.tax_id
            ),
            "identities": staying,
            "channels": _unique(i.channel for i in staying),
            "unifications": [u for u in person.unifications if u.id != unification],
            "apart": _unique([*person.apart, off_id]),
            "updated_at": now,
            "history": [
                *person.history,
                PersonChange(
                    at=now,
                    actor=actor,
                    action="split",
                    reason=reason,
                    after=str(off_id),
                    detail={"identities": [i.key for i in leaving]},
                ),
            ],
        }
    )
    return rest, off


def set_group(
    person: PersonRecord, group: str, *, member: bool, actor: str, now: datetime, reason: str | None
) -> PersonRecord:
    """The person in (or out of) the group, with a history line; unchanged when it already was."""
    known = [g for g in person.groups if g.casefold() == group.casefold()]
    if member == bool(known):
        return person
    groups = [*person.groups, group] if member else [g for g in person.groups if g not in known]
    return person.model_copy(
        update={
            "groups": groups,
            "updated_at": now,
            "history": [
                *person.history,
                PersonChange(
                    at=now,
                    actor=actor,
                    action="grouped" if member else "ungrouped",
                    field="groups",
                    after=group,
                    reason=reason,
                ),
            ],
        }
    )


def may_unify(one: PersonRecord, other: PersonRecord) -> bool:
    """Two different people that no split has kept apart."""
    return one.id != other.id and other.id not in one.apart and one.id not in other.apart


def _proved(identities: Iterable[Identity]) -> set[str]:
    return {i.email for i in identities if i.email}


def _own_data(person: PersonRecord) -> dict[str, Any]:
    return {
        "name": person.name,
        "tax_id": person.tax_id,
        "emails": list(person.emails),
        "phones": list(person.phones),
        "fields": dict(person.fields),
        "groups": list(person.groups),
        "created_at": person.created_at.isoformat(),
    }


def _unique(values: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(values))
