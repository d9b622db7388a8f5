"""The open-loop sender keeps its schedule and speaks enough HTTP/1.1 to POST and read answers
(run with ``pytest bench``)."""

from __future__ import annotations

import asyncio

from bench._openloop import Poster, percentile, send_on_schedule


async def serve(answers: list[bytes]) -> tuple[asyncio.Server, int]:
    """A keep-alive HTTP server answering 202 with a JSON body; ``answers`` collects bodies."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                length = next(
                    int(line.split(":", 1)[1])
                    for line in head.split("\r\n")
                    if line.lower().startswith("content-length:")
                )
                answers.append(await reader.readexactly(length))
                await asyncio.sleep(0.02)  # slower than the schedule's spacing
                body = b'{"accepted": 1, "duplicates": 0}'
                writer.write(
                    b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\n"
                    + f"content-length: {len(body)}\r\n\r\n".encode()
                    + body
                )
        except asyncio.IncompleteReadError:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_posts_follow_the_schedule_whatever_the_answers_take() -> None:
    received: list[bytes] = []
    server, port = await serve(received)
    poster = Poster(f"http://127.0.0.1:{port}/v1/interactions", {"X-Api-Key": "k"})
    bodies = [f'{{"n": {i}}}'.encode() for i in range(20)]
    started: list[float | None] = [None] * len(bodies)
    answered: list[int] = []
    try:
        sending = await send_on_schedule(
            poster, bodies, 200.0, started, lambda i, body: answered.append(i)
        )
    finally:
        await poster.close()
        server.close()
    assert sorted(received) == sorted(bodies)
    assert sorted(answered) == list(range(20)) and sending.failed == 0
    stamps = [t for t in started if t is not None]
    # Open loop: 5 ms apart (19 gaps) although each answer takes 20 ms; margin for a busy box.
    assert 0.09 <= stamps[-1] - stamps[0] < 0.3
    assert stamps == sorted(stamps)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.99) == 4.0
