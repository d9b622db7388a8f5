"""Rendering the console's pages: one set of templates, the words from ``i18n``, and the
CSRF token every form carries."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from gateway.console import i18n, session
from gateway.console.opinion_rows import opinion_rows

templates = Environment(
    loader=PackageLoader("gateway", "templates/console"),
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=True),
    undefined=StrictUndefined,
    # The templates ship with the package and never change under a running gateway: without
    # this every get_template and every include stats its file (measured: ~6% of an inbox
    # page's render, bench/console.py).
    auto_reload=False,
)
templates.filters["opinion_rows"] = opinion_rows  # the ticket page's opinion requests

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Everything the pages load is the gateway's own (htmx is vendored, never a CDN).
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'",
}


def page(
    request: Request,
    name: str,
    *,
    language: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The template ``name`` in the agent's language (``language``) or the browser's."""
    language = language or i18n.browser_language(request.headers.get("accept-language", ""))
    response = HTMLResponse("", status_code=status_code, headers=HEADERS)
    cookie = session.csrf_cookie(request, response)
    body = templates.get_template(name).render(
        t=i18n.translator(language),
        w=i18n.words(language),
        language=language,
        csrf=session.csrf_token(request, cookie),
        **context,
    )
    response.body = response.render(body)
    response.headers["content-length"] = str(len(response.body))
    return response
