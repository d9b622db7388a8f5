"""The request/reply server side answers every request, turning refusals into statuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from contracts.rpc import Caller, RpcError, RpcReply, RpcRequest
from servicekit import rpc
from servicekit.consuming import retry_delay

CALLER = Caller(id="ana")


class Params(BaseModel):
    n: int


async def double_it(params: Params, caller: Caller) -> dict[str, int]:
    return {"n": params.n * 2}


double = rpc.typed(Params, double_it)


async def refuse(params: dict[str, Any], caller: Caller) -> None:
    raise rpc.Conflict("a closed ticket cannot become open")


async def crash(params: dict[str, Any], caller: Caller) -> None:
    raise RuntimeError("secret internals")


METHODS = {"double": double, "refuse": refuse, "crash": crash}


async def decoded(methods: dict[str, rpc.Method], body: bytes) -> RpcReply:
    return (await rpc.dispatch(methods, body)).decoded()


def request(method: str, **params: Any) -> bytes:
    return RpcRequest(method=method, params=params, caller=CALLER).model_dump_json().encode()


async def test_a_method_result_is_returned() -> None:
    assert (await decoded(METHODS, request("double", n=21))).result == {"n": 42}


async def test_refusals_carry_their_status_and_reason() -> None:
    reply = await decoded(METHODS, request("refuse"))
    assert reply.error is not None and (reply.error.status, reply.error.code) == (409, "conflict")


async def test_invalid_params_are_a_422_naming_the_field() -> None:
    reply = await decoded(METHODS, request("double", n="many"))
    assert reply.error is not None and reply.error.status == 422 and "n:" in reply.error.detail


async def test_unknown_methods_and_garbage_are_refused() -> None:
    assert (await decoded(METHODS, request("nope"))).error.status == 404  # type: ignore[union-attr]
    assert (await decoded(METHODS, b"\xff")).error.status == 400  # type: ignore[union-attr]


async def test_unexpected_errors_do_not_leak_internals() -> None:
    reply = await decoded(METHODS, request("crash"))
    assert reply.error is not None and reply.error.status == 500
    assert "secret" not in reply.error.detail


def test_retries_back_off_then_stop() -> None:
    delays = [retry_delay(attempt) for attempt in range(4)]
    assert delays[:3] == sorted(delays[:3]) and delays[3] is None


async def test_a_typed_method_receives_its_model_and_refuses_unknown_shapes() -> None:
    assert (await decoded(METHODS, request("double", n="21"))).result == {"n": 42}
    reply = await decoded(METHODS, request("double"))
    assert reply.error is not None and reply.error.status == 422 and "n:" in reply.error.detail


class Stamp(BaseModel):
    id: UUID
    at: datetime


async def test_a_model_result_travels_as_its_own_json_once_serialised() -> None:
    stamp = Stamp(id=UUID(int=7), at=datetime(2026, 5, 1, 12, 0, tzinfo=UTC))

    async def stamps(params: dict[str, Any], caller: Caller) -> list[Stamp]:
        return [stamp]

    wire = await rpc.dispatch({"stamps": stamps}, request("stamps"))
    assert not wire.failed
    assert wire.body == b"[" + stamp.model_dump_json().encode() + b"]"


async def test_a_refusal_travels_flagged_with_its_status() -> None:
    wire = await rpc.dispatch(METHODS, request("refuse"))
    assert wire.failed
    assert RpcError.model_validate_json(wire.body).status == 409


async def test_an_answer_already_written_as_json_is_sent_as_it_is() -> None:
    # The ticket list writes its page from rows kept as JSON (ticketing's page_json); the
    # reply carries those bytes, not a JSON string of them.
    written = b'{"items":[{"id":"x"}],"total":1}'

    async def listing(params: dict[str, Any], caller: Caller) -> rpc.Encoded:
        return rpc.Encoded(written)

    reply = await rpc.dispatch({"list": listing}, request("list"))
    assert not reply.failed and reply.body == written
    assert reply.decoded().result == {"items": [{"id": "x"}], "total": 1}
