"""Helpers for the notification, opinion and robustness tests: publishing events straight
onto the bus, reading the mail sink and the dead-letter queues, stopping and starting the
SMTP sink."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import aio_pika
import httpx

from contracts import topology
from contracts.base import Event
from devtools.launcher import ROOT, Process, Stack
from tests.support import create_rule, interaction, post, tickets_of_thread, unique, wait_until

LINK = re.compile(r"https?://\S+/v1/opinions/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")


async def _publish(url: str, routing_key: str, bodies: list[bytes]) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(topology.EVENTS_EXCHANGE)
        for body in bodies:
            await exchange.publish(
                aio_pika.Message(
                    body,
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=routing_key,
            )


def publish(url: str, event: Event, times: int = 1) -> None:
    """Publish ``event`` as a producer would, ``times`` times (a redelivery is the same id)."""
    body = event.model_dump_json().encode()
    asyncio.run(_publish(url, event.routing_key, [body] * times))


def publish_raw(url: str, routing_key: str, body: bytes) -> None:
    asyncio.run(_publish(url, routing_key, [body]))


async def _dead_letters(url: str, queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        dlq = await channel.get_queue(topology.dead_letter_queue(queue), ensure=True)
        messages = []
        while (message := await dlq.get(fail=False, no_ack=False)) is not None:
            messages.append(message)
        for message in messages:
            await message.nack(requeue=True)
        return messages


def dead_letters(url: str, queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Everything in the queue's DLQ (read, then returned to it)."""
    return asyncio.run(_dead_letters(url, queue))


def subject_of(message: Message) -> str:
    """The subject as a person reads it (non-ASCII subjects travel encoded)."""
    return str(make_header(decode_header(message["Subject"])))


def text_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("the mail has no plain-text part")


def opinion_link(message: Message) -> str:
    found = LINK.search(text_of(message))
    assert found, "the mail carries no opinion link"
    return found.group(0)


def open_ticket(gateway: httpx.Client, ingestor: httpx.Client, text: str) -> dict[str, Any]:
    """A ticket opened by a rule for an interaction saying ``text``."""
    keyword = unique("kw")
    create_rule(
        gateway,
        {"name": keyword, "when": {"text_any": [keyword]}, "then": {"open_ticket": {}}},
    )
    thread = unique("post")
    post(ingestor, interaction(thread=thread, text=f"{text} {keyword}"))
    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    return ticket


def stop_mail_sink(stack: Stack) -> None:
    for process in [p for p in stack.processes if p.name == "mailsink"]:
        stack.stop_process(process)
        stack.processes.remove(process)


def start_mail_sink(stack: Stack) -> None:
    command = [
        sys.executable,
        "-m",
        "devtools.mailsink",
        "--dir",
        str(stack.mail_dir),
        "--port",
        str(stack.smtp_port),
    ]
    log = None
    if stack.log_dir is not None:
        log = (stack.log_dir / "mailsink.log").open("ab")
    popen = subprocess.Popen(
        command, cwd=ROOT, env=stack.process_env(), stdout=log, stderr=subprocess.STDOUT
    )
    stack.processes.append(Process("mailsink", popen, None))
    wait_until(lambda: _smtp_answers(stack.smtp_port), what="the SMTP sink to listen")


def _smtp_answers(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            return connection.recv(3) == b"220"
    except OSError:
        return False


def notifier_logs(stack: Stack) -> str:
    assert stack.log_dir is not None
    return "".join(path.read_text(errors="replace") for path in stack.log_dir.glob("notifier*.log"))
