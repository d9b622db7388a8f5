"""Fake IMAP server: the IMAP4rev1 subset (RFC 3501) the ingestor's mailbox poller uses, over
plain TCP, with mailboxes the tests fill over HTTP.

Commands: CAPABILITY, NOOP, LOGIN, SELECT/EXAMINE (EXISTS, UIDVALIDITY, UIDNEXT), UID SEARCH
(``ALL`` or ``UID a:b``), UID FETCH of ``BODY[]``/``BODY.PEEK[]``/``RFC822`` (the message as one
literal), LOGOUT; anything else is ``BAD``. Every command is recorded (passwords left out).
Start it with ``FAKENETS_IMAP_PORT``; ``POST /_fake/imap/{user}/messages`` appends a mail and
``POST /_fake/imap/{user}/renumber`` gives the folder a new UIDVALIDITY.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request

from devtools.fakenets.state import FakeState, Recorded


@dataclass
class Mailbox:
    password: str = ""
    uidvalidity: int = 1
    next_uid: int = 1
    messages: list[tuple[int, bytes]] = field(default_factory=list)

    def append(self, data: bytes) -> int:
        uid, self.next_uid = self.next_uid, self.next_uid + 1
        self.messages.append((uid, data))
        return uid


def mailboxes(state: FakeState) -> dict[str, Mailbox]:
    """User -> mailbox (one INBOX each)."""
    return state.imap_mailboxes


def _uids(spec: str, known: list[int]) -> list[int]:
    """A UID set (``1,3:5,7:*``) resolved against the folder, as RFC 3501 §6.4.8 reads it:
    ``n:*`` includes the last message even when n is past it."""
    top = max(known, default=0)
    chosen: set[int] = set()
    for part in spec.split(","):
        low, _, high = part.partition(":")
        a = top if low == "*" else int(low)
        b = a if not high else (top if high == "*" else int(high))
        low_, high_ = min(a, b), max(a, b)
        chosen.update(u for u in known if low_ <= u <= high_)
    return sorted(chosen)


class Session:
    def __init__(self, state: FakeState, reader: Any, writer: Any) -> None:
        self.state, self.reader, self.writer = state, reader, writer
        self.user: str | None = None
        self.box: Mailbox | None = None

    def send(self, line: str | bytes) -> None:
        self.writer.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    async def run(self) -> None:
        self.send("* OK [CAPABILITY IMAP4rev1] fake IMAP ready")
        while line := await self.reader.readline():
            tag, _, rest = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "UID":
                command, _, args = args.partition(" ")
                command = "UID " + command.upper()
            shown = "" if command == "LOGIN" else args
            self.state.record(Recorded("imap", command, self.user or "", {}, shown))
            if not await self.answer(tag, command, args):
                break
            await self.writer.drain()
        self.writer.close()

    async def answer(self, tag: str, command: str, args: str) -> bool:
        boxes = mailboxes(self.state)
        if command == "CAPABILITY":
            self.send("* CAPABILITY IMAP4rev1")
        elif command == "NOOP":
            pass
        elif command == "LOGOUT":
            self.send("* BYE logging out")
            self.send(f"{tag} OK LOGOUT completed")
            return False
        elif command == "LOGIN":
            user, password = shlex.split(args)
            box = boxes.get(user)
            if box is None or box.password != password:
                self.send(f"{tag} NO [AUTHENTICATIONFAILED] wrong user or password")
                return True
            self.user = user
        elif command in ("SELECT", "EXAMINE") and self.user:
            self.box = boxes[self.user]
            self.send(f"* {len(self.box.messages)} EXISTS")
            self.send("* 0 RECENT")
            self.send("* FLAGS (\\Seen)")
            self.send(f"* OK [UIDVALIDITY {self.box.uidvalidity}] UIDs valid")
            self.send(f"* OK [UIDNEXT {self.box.next_uid}] predicted next UID")
            mode = "READ-ONLY" if command == "EXAMINE" else "READ-WRITE"
            self.send(f"{tag} OK [{mode}] {command} completed")
            return True
        elif command == "UID SEARCH" and self.box:
            known = [u for u, _ in self.box.messages]
            match = re.search(r"UID (\S+)", args, re.IGNORECASE)
            found = _uids(match.group(1), known) if match else known
            self.send("* SEARCH" + "".join(f" {u}" for u in found))
        elif command == "UID FETCH" and self.box:
            spec, _, _items = args.partition(" ")
            known = [u for u, _ in self.box.messages]
            for uid in _uids(spec, known):
                seq = known.index(uid) + 1
                data = dict(self.box.messages)[uid]
                head = f"* {seq} FETCH (UID {uid} BODY[] {{{len(data)}}}"
                self.send(head.encode() + b"\r\n" + data + b")")
        else:
            self.send(f"{tag} BAD {command} is not spoken here")
            return True
        self.send(f"{tag} OK {command} completed")
        return True


async def serve(state: FakeState, port: int) -> asyncio.Server:
    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await Session(state, reader, writer).run()

    return await asyncio.start_server(session, "127.0.0.1", port)


def router(state: FakeState) -> APIRouter:
    api = APIRouter()

    @api.post("/_fake/imap/{user}/messages")
    async def append(user: str, request: Request) -> dict[str, Any]:
        """Appends the body (an RFC 5322 mail) to ``user``'s INBOX, creating the mailbox with
        ``?password=`` the first time. Answers its UID."""
        box = mailboxes(state).setdefault(
            user, Mailbox(password=request.query_params.get("password", ""))
        )
        return {"uid": box.append(await request.body()), "uidvalidity": box.uidvalidity}

    @api.post("/_fake/imap/{user}/renumber")
    async def renumber(user: str) -> dict[str, Any]:
        """A new UIDVALIDITY: the server says every UID it gave before is void."""
        box = mailboxes(state)[user]
        box.uidvalidity += 1
        return {"uidvalidity": box.uidvalidity}

    return api
