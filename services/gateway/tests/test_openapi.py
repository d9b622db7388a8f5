"""The gateway's published API description is whole: /docs can show every body."""

from __future__ import annotations

import json
import re

from gateway.app import create_app


def test_every_schema_reference_in_the_openapi_document_resolves() -> None:
    spec = create_app().openapi()
    components = spec["components"]["schemas"]
    refs = set(re.findall(r'"\$ref": "([^"]+)"', json.dumps(spec)))
    assert refs, "the document references no schema at all"
    dangling = [r for r in refs if r.removeprefix("#/components/schemas/") not in components]
    assert dangling == []


def test_the_opinion_and_settings_routes_are_documented() -> None:
    paths = create_app().openapi()["paths"]
    assert {"post"} <= set(paths["/v1/tickets/{ref}/opinion-requests"])
    assert {"get", "post"} <= set(paths["/v1/opinions/{token}"])
    assert {"get", "put"} <= set(paths["/v1/me/notification-settings"])
    assert "get" in paths["/v1/events"]
