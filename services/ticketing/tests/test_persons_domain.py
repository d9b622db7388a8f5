"""People's rules without a store (docs/domain.md F28-F30): tax ids, edits with history,
unification and the split that undoes it."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from contracts.interaction import Author, Channel, Interaction, Kind
from contracts.persons import PersonPatch
from ticketing.domain import persons

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def author(channel: Channel, author_id: str, name: str = "") -> persons.PersonRecord:
    interaction = Interaction(
        channel=channel,
        account="acme",
        external_id=uuid4().hex,
        thread_id="t",
        kind=Kind.DIRECT_MESSAGE,
        author=Author(id=author_id, name=name),
        text="oi",
        occurred_at=T0,
    )
    return persons.new_person(persons.identity_of(interaction), person_id=uuid4(), now=T0)


@pytest.mark.parametrize("text", ["529.982.247-25", "52998224725", "11.222.333/0001-81"])
def test_a_valid_cpf_or_cnpj_is_kept_as_its_digits(text: str) -> None:
    assert persons.tax_id(text) == "".join(c for c in text if c.isdigit())


@pytest.mark.parametrize("text", ["529.982.247-24", "111.111.111-11", "1234", "abc"])
def test_a_tax_id_with_wrong_digits_or_shape_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        persons.tax_id(text)


def test_only_the_e_mail_channel_proves_an_address() -> None:
    assert author(Channel.EMAIL, "Maria@X.com").emails == ["maria@x.com"]
    assert author(Channel.INSTAGRAM, "maria@x.com").emails == []


def test_an_edit_is_one_history_line_per_changed_field_with_who_and_before() -> None:
    person = author(Channel.INSTAGRAM, "maria.ig", "Maria")
    edited = persons.edit(
        person, PersonPatch(name="Maria", phones=["+55 11 9999"]), actor="agent:ana", now=T0
    )
    [line] = edited.history[1:]
    assert (line.actor, line.field, line.before, line.after) == (
        "agent:ana",
        "phones",
        [],
        ["+55 11 9999"],
    )
    assert persons.edit(edited, PersonPatch(name="Maria"), actor="agent:ana", now=T0) is edited


def test_a_split_of_a_unification_gives_back_both_people_as_they_were() -> None:
    insta = author(Channel.INSTAGRAM, "maria.ig", "Maria")
    insta = persons.edit(insta, PersonPatch(phones=["1"]), actor="agent:ana", now=T0)
    mail = author(Channel.EMAIL, "m@x.com", "M. Souza")
    unification = uuid4()
    one = persons.unify(
        insta, mail, unification_id=unification, actor="agent:ana", reason="same", now=T0
    )
    assert [i.key for i in one.identities] == ["instagram:maria.ig", "email:m@x.com"]
    assert (one.name, one.emails, one.channels) == (
        "Maria",
        ["m@x.com"],
        [Channel.INSTAGRAM, Channel.EMAIL],
    )
    rest, off = persons.split(
        one, unification=unification, identities=[], new_id=uuid4(), actor="a", reason="r", now=T0
    )
    assert (rest.id, rest.name, rest.emails, rest.phones) == (insta.id, "Maria", [], ["1"])
    assert (off.id, off.name, off.emails) == (mail.id, "M. Souza", ["m@x.com"])
    assert not persons.may_unify(rest, off)


def test_a_split_must_leave_someone_on_each_side() -> None:
    person = author(Channel.INSTAGRAM, "maria.ig")
    with pytest.raises(persons.CannotSplit):
        persons.split(
            person,
            unification=None,
            identities=["instagram:maria.ig"],
            new_id=uuid4(),
            actor="a",
            reason="r",
            now=T0,
        )
