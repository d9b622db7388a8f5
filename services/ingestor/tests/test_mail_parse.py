"""Mail to interactions, without services: threads from the headers, the text a person wrote,
attachments as metadata, Auto-Submitted kept."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

from contracts.accounts import AccountHealth, AccountRead, Collect
from contracts.interaction import Channel, Direction
from ingestor import deliveries, mail

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
BOX = "sac@acme.test"


def account() -> AccountRead:
    return AccountRead(
        id="sac",
        channel=Channel.EMAIL,
        network_id=BOX,
        name="SAC",
        collect=[Collect.EMAILS],
        active=True,
        has_credentials=False,
        health=AccountHealth(),
        created_at=NOW,
        updated_at=NOW,
    )


def message(**headers: str) -> EmailMessage:
    built = EmailMessage()
    built["From"] = headers.pop("From", "Maria <Maria@Cliente.test>")
    built["To"] = BOX
    for name, value in headers.items():
        built[name.replace("_", "-")] = value
    built.set_content(headers.get("body", "Olá"))
    return built


def sorted_(built: EmailMessage) -> deliveries.Sorted:
    found = mail.items(built.as_bytes(), [BOX.upper()], NOW)
    return deliveries.sort(found, {(Channel.EMAIL, BOX): account()}, mail.normalise)


def test_a_reply_threads_on_the_first_reference_and_answers_in_reply_to() -> None:
    [reply] = sorted_(
        message(Message_ID="<3@c>", In_Reply_To="<2@c>", References="<1@c> <2@c>")
    ).interactions
    assert (reply.external_id, reply.thread_id, reply.parent_id) == ("3@c", "1@c", "2@c")


def test_in_reply_to_alone_threads_on_the_parent_and_a_new_mail_on_itself() -> None:
    [reply] = sorted_(message(Message_ID="<2@c>", In_Reply_To="<1@c>")).interactions
    [first] = sorted_(message(Message_ID="<1@c>")).interactions
    assert reply.thread_id == first.thread_id == "1@c"


def test_a_mail_without_message_id_gets_the_same_id_each_time() -> None:
    built = message(Subject="Sem id", Date="Mon, 30 Nov 2026 10:00:00 -0300")
    [once] = sorted_(built).interactions
    [again] = sorted_(built).interactions
    assert once.external_id == again.external_id
    assert once.occurred_at == datetime(2026, 11, 30, 13, 0, tzinfo=UTC)


def test_html_is_stripped_and_plain_text_preferred() -> None:
    both = message(Message_ID="<h@c>")
    both.add_alternative("<p>Versão <b>html</b></p>", subtype="html")
    [plain] = sorted_(both).interactions
    assert plain.text == "Olá"
    html_only = EmailMessage()
    html_only["From"], html_only["To"], html_only["Message-ID"] = "a@b.c", BOX, "<o@c>"
    html_only.set_content(
        "<div>Linha 1</div><div>Linha&nbsp;2 &amp; fim</div><script>x</script>", subtype="html"
    )
    [stripped] = sorted_(html_only).interactions
    assert stripped.text == "Linha 1\nLinha\xa02 & fim"


def test_attachments_are_metadata_and_auto_submitted_is_kept() -> None:
    built = message(Message_ID="<a@c>", Auto_Submitted="auto-generated; x=1")
    built.add_attachment(b"12345", maintype="image", subtype="png", filename="foto.png")
    [got] = sorted_(built).interactions
    assert got.raw["attachments"] == [
        {"filename": "foto.png", "content_type": "image/png", "size": 5}
    ]
    assert got.auto_submitted == "auto-generated"
    assert got.author.id == "maria@cliente.test"
    [plain] = sorted_(message(Message_ID="<n@c>", Auto_Submitted="no")).interactions
    assert plain.auto_submitted is None


def test_the_mailboxs_own_mail_is_outbound_and_a_mail_without_sender_is_set_aside() -> None:
    [own] = sorted_(message(From=f"SAC <{BOX}>", Message_ID="<o@c>")).interactions
    assert own.direction is Direction.OUTBOUND
    nobody = EmailMessage()
    nobody["To"] = BOX
    nobody.set_content("?")
    found = sorted_(nobody)
    assert [a["reason"] for a in found.set_aside] == ["unnormalisable"]
