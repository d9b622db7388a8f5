"""A ticket export a person can read (docs/domain.md F13): the case, the conversation in time
order and the audit log, as plain text."""

from __future__ import annotations

from typing import Any

from contracts.tickets import TicketExport


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def render(export: TicketExport) -> str:
    ticket = export.ticket
    lines = [
        f"Ticket {ticket.protocol}: {ticket.title}",
        f"Status: {ticket.status}    Priority: {ticket.priority}    "
        f"Level: {ticket.level or '-'}    Assignee: {ticket.assignee or '-'}",
        f"Channel: {ticket.channel.value} / {ticket.account}    Opened: {_when(ticket.opened_at)}"
        f" by {ticket.opened_by}",
    ]
    if ticket.tags:
        lines.append(f"Tags: {', '.join(ticket.tags)}")
    contact = ", ".join(f"{k}: {v}" for k, v in ticket.contact.items())
    if contact:
        lines.append(f"Contact: {contact}")
    lines += ["", f"Conversation ({len(ticket.interactions)} interactions)", ""]
    for stored in ticket.interactions:
        item = stored.interaction
        author = item.author.name or item.author.handle or item.author.id
        lines.append(
            f"[{_when(item.occurred_at)}] {author} ({item.kind.value}, {item.direction.value}):"
        )
        lines += [f"    {line}" for line in (item.text or "(no text)").splitlines()]
    if ticket.children:
        lines += ["", "Sub-tickets", ""]
        lines += [f"- {c.protocol}: {c.title} ({c.status})" for c in ticket.children]
    lines += ["", "History", ""]
    for entry in export.history:
        what = (
            entry.action
            if entry.field is None
            else f"{entry.field}: {entry.before} -> {entry.after}"
        )
        note = entry.detail.get("text") if entry.action in ("note", "auto_reply_pending") else None
        lines.append(f"[{_when(entry.at)}] {entry.actor} {what}" + (f' "{note}"' if note else ""))
    lines += ["", f"Exported {_when(export.exported_at)}"]
    return "\n".join(lines) + "\n"
