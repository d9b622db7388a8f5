"""Every 422 the gateway answers has the shape its OpenAPI documents (HTTPValidationError):
a request it refuses itself, a service's ``Invalid`` refusal it relays, and a handler's own
``HTTPException(422, "reason")``. The whole API is walked, with every service refusing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from contracts.rpc import Caller, FieldError
from gateway.app import create_app
from gateway.deps import Services
from gateway.settings import GatewaySettings
from servicekit.rpc import WireReply

ADMIN_TOKEN = "an-admin-token-for-the-error-tests"
VALIDATION_ERROR = "#/components/schemas/HTTPValidationError"


class Refusing:
    """An RpcClient whose services refuse every call as invalid, naming a field."""

    async def call(
        self, queue: str, method: str, params: dict[str, Any], caller: Caller, seconds: float
    ) -> WireReply:
        field = FieldError(loc=["priority"], msg="'asap' is not on the scale", type="invalid")
        return WireReply.error(422, "invalid", "'asap' is not on the scale", [field])


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("SOCIALDESK_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("SOCIALDESK_JWT_SECRET", "a-jwt-secret-for-the-error-tests-only")
    app = create_app(GatewaySettings())
    app.state.services = Services(Refusing(), timeout=1)  # type: ignore[arg-type]
    return TestClient(app, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})


def assert_validation_shape(body: Any, where: str) -> None:
    assert isinstance(body["detail"], list) and body["detail"], (where, body)
    for error in body["detail"]:
        assert isinstance(error["loc"], list) and error["loc"], (where, error)
        assert error["loc"][0] in {"body", "query", "path", "header"}, (where, error)
        assert isinstance(error["msg"], str) and error["msg"], (where, error)
        assert isinstance(error["type"], str) and error["type"], (where, error)


def operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if path != "/v1/events"  # a stream: it answers 200 and waits
    ]


def test_every_documented_422_is_the_validation_error(client: TestClient) -> None:
    for method, path, operation in operations(client):
        documented = operation.get("responses", {}).get("422")
        if documented is None:
            continue
        schema = documented["content"]["application/json"]["schema"]
        assert schema == {"$ref": VALIDATION_ERROR}, (method, path)


def test_every_422_of_the_api_has_the_documented_shape(client: TestClient) -> None:
    answered = {}
    for method, path, operation in operations(client):
        url = re.sub(r"\{[^}]+\}", "x", path)
        body = {} if "requestBody" in operation else None
        response = client.request(method.upper(), url, json=body)
        answered[(method, path)] = response.status_code
        if response.status_code == 422:
            assert_validation_shape(response.json(), f"{method} {path}")
    refused = [op for op, status in answered.items() if status == 422]
    # Nearly every operation reaches a refusal: the few others need no service (401, 204...).
    assert len(refused) >= 0.8 * len(answered), answered


def test_a_services_refusal_points_at_the_refused_field(client: TestClient) -> None:
    response = client.post("/v1/levels", json={"name": "legal"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {"loc": ["body", "priority"], "msg": "'asap' is not on the scale", "type": "invalid"}
        ]
    }
    listed = client.get("/v1/rules")
    assert listed.json()["detail"][0]["loc"] == ["query", "priority"]


def test_a_handlers_plain_422_gets_the_same_shape(client: TestClient) -> None:
    app = client.app

    @app.get("/test-plain-422")  # type: ignore[attr-defined, untyped-decorator]
    async def plain() -> None:
        raise HTTPException(422, "the reason")

    response = client.get("/test-plain-422")
    assert response.json() == {
        "detail": [{"loc": ["query"], "msg": "the reason", "type": "value_error"}]
    }


def test_other_refusals_keep_their_plain_reason(client: TestClient) -> None:
    response = client.get("/v1/tickets", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)


def test_the_ticket_list_and_detail_refuse_a_missing_token_as_every_route_does(
    client: TestClient,
) -> None:
    """The two busiest reads check the caller themselves, without FastAPI's dependencies:
    without a token they answer what every other route answers, and say in the OpenAPI that
    they take the bearer token as every other route says it."""
    anonymous = TestClient(client.app)
    for path in ("/v1/tickets", "/v1/tickets/2026-000001", "/v1/tickets/2026-000001/history"):
        response = anonymous.get(path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer", path
        assert response.json() == {"detail": "missing or invalid bearer token"}, path
    spec = client.app.openapi()  # type: ignore[attr-defined]
    by_dependency = spec["paths"]["/v1/tickets/{ref}/history"]["get"]["security"]
    assert by_dependency == [{"HTTPBearer": []}]
    assert spec["paths"]["/v1/tickets"]["get"]["security"] == by_dependency
    assert spec["paths"]["/v1/tickets/{ref}"]["get"]["security"] == by_dependency
