"""The console's pages before any service is asked (no broker here): the cookies' flags, the
form token, the language, where a sign-in may lead, and the pinned files the gateway serves."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.console.session import safe_next
from gateway.settings import GatewaySettings


def client(**settings: str) -> TestClient:
    # Without `with`, the app's lifespan (the broker connection) is not started.
    return TestClient(create_app(GatewaySettings(**settings)), follow_redirects=False)


def test_the_sign_in_page_sets_a_strict_httponly_csrf_cookie_and_puts_its_token_in_the_form() -> (
    None
):
    page = client().get("/sign-in", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert page.status_code == 200
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("sd_csrf=") and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Secure" not in cookie
    assert re.search(r'name="csrf" value="[0-9a-f]{64}"', page.text)
    assert "<h1>Sign in</h1>" in page.text and 'lang="en"' in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_a_browser_that_prefers_portuguese_gets_portuguese() -> None:
    page = client().get("/sign-in", headers={"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.8"})
    assert "<h1>Entrar</h1>" in page.text and 'lang="pt-BR"' in page.text


def test_in_production_the_console_s_cookies_are_secure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALDESK_ENV", "production")
    monkeypatch.setenv("SOCIALDESK_ADMIN_TOKEN", "a" * 40)
    monkeypatch.setenv("SOCIALDESK_JWT_SECRET", "b" * 40)
    page = client().get("/sign-in")
    assert "Secure" in page.headers["set-cookie"]


def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_back() -> None:
    answer = client().get("/tickets/2026-000042")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Ftickets%2F2026-000042"


def test_a_form_without_its_token_is_refused_before_anything_is_asked() -> None:
    answer = client().post("/sign-in", data={"email": "ana@example.com", "password": "x"})
    assert answer.status_code == 403
    assert "security token" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("asked", "followed"),
    [
        ("/tickets/2026-000042", "/tickets/2026-000042"),
        ("/?status=open", "/?status=open"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
    ],
)
def test_after_signing_in_only_a_page_of_this_site_is_followed(asked: str, followed: str) -> None:
    assert safe_next(asked) == followed


def test_htmx_is_served_by_the_gateway_itself_at_its_pinned_version() -> None:
    served = client().get("/static/vendor/htmx-2.0.4.min.js")
    assert served.status_code == 200 and "htmx" in served.text[:2000]
    page = client().get("/sign-in")
    assert 'src="/static/vendor/htmx-2.0.4.min.js"' in page.text
    sources = re.findall(r'(?:src|href)="([^"#]+)"', page.text)
    assert sources and all(source.startswith("/") for source in sources), sources
