"""E-mail (RFC 5322 bytes, as SMTP or IMAP hands them over) to interactions, with the standard
library's ``email`` package.

Threads follow RFC 5322 §3.6.4: a reply's ``In-Reply-To`` is its parent's ``Message-ID`` and its
``References`` list the conversation from its first message, so the first reference (else the
parent, else the message itself) names the thread. ``Auto-Submitted`` (RFC 3834) other than
``no`` is recorded on the interaction: a machine wrote it, and nothing may answer it
automatically (docs/channels.md "E-mail").
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

from contracts.accounts import AccountRead
from contracts.interaction import (
    MAX_TEXT_LENGTH,
    Author,
    Channel,
    Direction,
    Interaction,
    Kind,
    Visibility,
)

_ID = re.compile(r"<([^<>\s]+)>")


@dataclass(frozen=True)
class Item:
    """One mail for one registered mailbox (a mail to two mailboxes is two items)."""

    position: str
    network_id: str  # the mailbox address, lower case
    message: EmailMessage
    received_at: datetime
    channel: Channel = Channel.EMAIL


def parse(data: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)  # policy.default builds EmailMessage
    return message


def items(
    data: bytes, mailboxes: list[str], received_at: datetime, where: str = "mail"
) -> list[Item]:
    message = parse(data)
    return [Item(f"{where} to {m}", m.lower(), message, received_at) for m in mailboxes]


def _ids(value: Any) -> list[str]:
    return _ID.findall(str(value or ""))


def message_id(message: EmailMessage) -> str:
    """The Message-ID without its brackets; a mail without one gets a stable id from its
    headers, so its redelivery is still one interaction."""
    found = _ids(message.get("Message-ID"))
    if found:
        return found[0]
    digest = hashlib.sha256(
        "\n".join(f"{k}:{v}" for k, v in message.items()).encode("utf-8", "replace")
    ).hexdigest()
    return f"{digest[:32]}@no-message-id.socialdesk"


def thread_of(message: EmailMessage) -> tuple[str, str | None]:
    """(thread, parent): the conversation's first message and the one this answers."""
    references, parent = _ids(message.get("References")), _ids(message.get("In-Reply-To"))
    parent_id = parent[0] if parent else (references[-1] if references else None)
    return (references[0] if references else parent_id or message_id(message)), parent_id


def auto_submitted(message: EmailMessage) -> str | None:
    """RFC 3834's keyword (parameters dropped), unless ``no`` or absent."""
    value = str(message.get("Auto-Submitted") or "").split(";")[0].strip().lower()
    return None if value in ("", "no") else value[:64]


class _Text(HTMLParser):
    """The text of an HTML body: tags dropped, scripts and styles skipped, blocks on lines."""

    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def strip_html(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (
        re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.parts).split("\n")
    )
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def body_text(message: EmailMessage) -> str:
    """text/plain when the mail has it, else its HTML without the markup."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    text = strip_html(content) if part.get_content_subtype() == "html" else content
    return str(text).strip()


def attachments(message: EmailMessage) -> list[dict[str, Any]]:
    """What is attached (name, type, size); the bytes stay in the raw delivery."""
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        found.append(
            {
                "filename": part.get_filename() or "",
                "content_type": part.get_content_type(),
                "size": len(payload) if isinstance(payload, bytes) else 0,
            }
        )
    return found


def _address(message: EmailMessage, header: str) -> tuple[str, str]:
    """(address in lower case, display name) of the first mailbox in ``header``."""
    value = message.get(header)
    addresses = getattr(value, "addresses", ())
    if not addresses or not addresses[0].addr_spec or addresses[0].addr_spec == "<>":
        raise ValueError(f"no usable {header} address")
    return addresses[0].addr_spec.lower(), addresses[0].display_name


def _when(message: EmailMessage, fallback: datetime) -> datetime:
    try:
        sent = parsedate_to_datetime(str(message["Date"]))
    except (TypeError, ValueError, IndexError):
        return fallback
    return sent if sent.tzinfo else sent.replace(tzinfo=UTC)


def normalise(item: Item, account: AccountRead) -> Interaction:
    message = item.message
    sender, name = _address(message, "From")
    thread, parent = thread_of(message)
    return Interaction(
        channel=Channel.EMAIL,
        account=account.id,
        external_id=message_id(message),
        thread_id=thread,
        parent_id=parent,
        kind=Kind.EMAIL,
        # The mailbox's own mail (a copy of what the brand sent) is the brand's.
        direction=Direction.OUTBOUND if sender == item.network_id else Direction.INBOUND,
        visibility=Visibility.PRIVATE,
        author=Author(id=sender, name=name[:1000]),
        text=body_text(message)[:MAX_TEXT_LENGTH],
        occurred_at=_when(message, item.received_at),
        auto_submitted=auto_submitted(message),
        raw={
            "message_id": message_id(message),
            "subject": str(message.get("Subject") or "")[:1000],
            "from": str(message.get("From") or "")[:1000],
            "to": str(message.get("To") or "")[:5000],
            "cc": str(message.get("Cc") or "")[:5000],
            "in_reply_to": parent,
            "references": _ids(message.get("References"))[:100],
            "attachments": attachments(message)[:100],
        },
    )
