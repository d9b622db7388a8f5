"""The request/reply server side answers every request, turning refusals into statuses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from contracts.rpc import Caller, RpcRequest
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


def request(method: str, **params: Any) -> bytes:
    return RpcRequest(method=method, params=params, caller=CALLER).model_dump_json().encode()


async def test_a_method_result_is_returned() -> None:
    assert (await rpc.dispatch(METHODS, request("double", n=21))).result == {"n": 42}


async def test_refusals_carry_their_status_and_reason() -> None:
    reply = await rpc.dispatch(METHODS, request("refuse"))
    assert reply.error is not None and (reply.error.status, reply.error.code) == (409, "conflict")


async def test_invalid_params_are_a_422_naming_the_field() -> None:
    reply = await rpc.dispatch(METHODS, request("double", n="many"))
    assert reply.error is not None and reply.error.status == 422 and "n:" in reply.error.detail


async def test_unknown_methods_and_garbage_are_refused() -> None:
    assert (await rpc.dispatch(METHODS, request("nope"))).error.status == 404  # type: ignore[union-attr]
    assert (await rpc.dispatch(METHODS, b"\xff")).error.status == 400  # type: ignore[union-attr]


async def test_unexpected_errors_do_not_leak_internals() -> None:
    reply = await rpc.dispatch(METHODS, request("crash"))
    assert reply.error is not None and reply.error.status == 500
    assert "secret" not in reply.error.detail


def test_retries_back_off_then_stop() -> None:
    delays = [retry_delay(attempt) for attempt in range(4)]
    assert delays[:3] == sorted(delays[:3]) and delays[3] is None


async def test_a_typed_method_receives_its_model_and_refuses_unknown_shapes() -> None:
    assert (await rpc.dispatch(METHODS, request("double", n="21"))).result == {"n": 42}
    reply = await rpc.dispatch(METHODS, request("double"))
    assert reply.error is not None and reply.error.status == 422 and "n:" in reply.error.detail
