"""The console's rules (issue 14, part 5): the rules in evaluation order; an editor for the
whole rule language (structured fields for the common parts, JSON for the full condition
tree and the actions) with field help read from the contracts' schema; the rules service's
refusals shown beside the fields; a dry run against a pasted interaction or a recent one; a
backtest over a date range; each rule's history.

Who may: every agent reads the rules and dry-runs drafts (as GET /v1/rules and POST
/v1/rules/test allow them); saving and backtesting are for administrators (the rules service
refuses anyone else). The page asks the caller's role, so an admin signed in to the console
gets the writing controls and everyone else a read-only editor."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contracts.backtest import RuleBacktest
from contracts.rpc import Caller
from contracts.rpc_rules import (
    RuleBacktestParams,
    RuleGetParams,
    RuleHistoryParams,
    RuleListParams,
    RuleReplaceParams,
    RulesMethod,
)
from contracts.rpc_ticketing import TicketingMethod
from contracts.rules import RuleRead, RuleTest
from contracts.tickets import InteractionQuery
from contracts.topology import RULES_RPC, TICKETING_RPC
from gateway import deps
from gateway.console import session
from gateway.console.calls import Refused, call
from gateway.console.render import page
from gateway.console.rule_actions import Row, action_types, rows_for
from gateway.console.rule_drafts import (
    NEW_RULE,
    Draft,
    fields_of,
    read_draft,
    read_interaction,
    refusal_problems,
)
from gateway.console.rule_fields import sections
from gateway.deps import Services, ServicesDep

router = APIRouter(include_in_schema=False)

RECENT = 20


def _is_admin(caller: Caller) -> bool:
    return caller.role == "admin"


async def _recent(services: Services, caller: Caller) -> list[dict[str, Any]]:
    """The latest interactions the caller may see, to try a draft on."""
    try:
        found = await call(
            services,
            TICKETING_RPC,
            TicketingMethod.INTERACTIONS_LIST,
            InteractionQuery(page_size=RECENT),
            caller,
        )
    except Refused:
        return []
    return list(found["items"])


def _refused(request: Request, signed: session.SessionRead, detail: str, status: int) -> Response:
    return page(
        request,
        "refused.html.j2",
        language=signed.agent.language,
        agent=signed.agent,
        status_code=status,
        detail=detail,
    )


@router.get("/rules", response_class=HTMLResponse)
async def rules_list(request: Request, signed: session.Session, services: ServicesDep) -> Response:
    caller = session.caller_of(signed.agent)
    listing = await call(services, RULES_RPC, RulesMethod.LIST, RuleListParams(), caller)
    return page(
        request,
        "rules.html.j2",
        language=signed.agent.language,
        agent=signed.agent,
        rules=[RuleRead.model_validate(item) for item in listing["items"]],
        can_write=_is_admin(caller),
    )


async def _editor(
    request: Request,
    services: Services,
    signed: session.SessionRead,
    draft: Draft,
    *,
    rule: RuleRead | None = None,
    status_code: int = 200,
    **shown: Any,
) -> Response:
    caller = session.caller_of(signed.agent)
    today = deps.today(request)
    return page(
        request,
        "rule_editor.html.j2",
        language=signed.agent.language,
        status_code=status_code,
        agent=signed.agent,
        rule=rule,
        draft=draft,
        help=sections(),
        action_types=action_types(),
        action_rows=rows_for(draft.fields),
        blank_row=Row("", {}),
        # A posted form without then_mode is an older client's JSON; a fresh page, the form.
        then_mode=draft.fields.get("then_mode") or ("form" if request.method == "GET" else "json"),
        recent=await _recent(services, caller),
        can_write=_is_admin(caller),
        interaction_text=shown.pop("interaction_text", ""),
        chosen_recent=shown.pop("chosen_recent", ""),
        backtest_from=shown.pop("backtest_from", (today - timedelta(days=7)).isoformat()),
        backtest_to=shown.pop("backtest_to", today.isoformat()),
        test=shown.pop("test", None),
        backtest=shown.pop("backtest", None),
        saved=request.query_params.get("saved") == "1",
        **shown,
    )


async def _stored(services: Services, rule_id: UUID, caller: Caller) -> RuleRead:
    found = await call(services, RULES_RPC, RulesMethod.GET, RuleGetParams(id=rule_id), caller)
    return RuleRead.model_validate(found)


@router.get("/rules/new", response_class=HTMLResponse)
async def new_rule(request: Request, signed: session.Session, services: ServicesDep) -> Response:
    return await _editor(request, services, signed, Draft(fields=dict(NEW_RULE)))


@router.get("/rules/{rule_id}", response_class=HTMLResponse)
async def edit_rule(
    rule_id: UUID, request: Request, signed: session.Session, services: ServicesDep
) -> Response:
    try:
        rule = await _stored(services, rule_id, session.caller_of(signed.agent))
    except Refused as refused:
        return _refused(request, signed, refused.error.detail, refused.error.status)
    return await _editor(request, services, signed, Draft(fields=fields_of(rule)), rule=rule)


async def _rule_of(services: Services, caller: Caller, rule_id: str) -> RuleRead | None:
    """The rule being edited (the form's hidden id), or None for a new one."""
    if not rule_id:
        return None
    return await _stored(services, UUID(rule_id), caller)


@router.post("/rules/save", response_class=HTMLResponse)
async def save_rule(
    request: Request, fields: session.CheckedForm, signed: session.Session, services: ServicesDep
) -> Response:
    """Create the rule, or replace it (a new version); the service's refusals are shown
    beside the fields they are about, with the draft as typed."""
    caller = session.caller_of(signed.agent)
    try:
        rule = await _rule_of(services, caller, fields.get("id", ""))
    except (Refused, ValueError):
        return _refused(request, signed, "no such rule", 404)
    draft = read_draft(fields)
    if draft.rule is None:
        return await _editor(request, services, signed, draft, rule=rule, status_code=422)
    try:
        if rule is None:
            made = await call(services, RULES_RPC, RulesMethod.CREATE, draft.rule, caller)
        else:
            params = RuleReplaceParams(id=rule.id, rule=draft.rule)
            made = await call(services, RULES_RPC, RulesMethod.REPLACE, params, caller)
    except Refused as refused:
        draft.problems = refusal_problems(refused.error)
        return await _editor(
            request, services, signed, draft, rule=rule, status_code=refused.error.status
        )
    return RedirectResponse(f"/rules/{made['id']}?saved=1", status_code=303)


def _interaction_text(fields: dict[str, str], recent: list[dict[str, Any]]) -> str:
    """The pasted interaction, else the chosen recent one's (as JSON to read and edit)."""
    pasted = fields.get("interaction", "").strip()
    chosen = next((item for item in recent if item["id"] == fields.get("recent")), None)
    if chosen is not None and (not pasted or fields.get("use_recent") == "1"):
        return json.dumps(chosen["interaction"], indent=2, ensure_ascii=False)
    return pasted


@router.post("/rules/test", response_class=HTMLResponse)
async def dry_run(
    request: Request, fields: session.CheckedForm, signed: session.Session, services: ServicesDep
) -> Response:
    """Would the draft match this interaction, why, and what would it do? Nothing is done."""
    caller = session.caller_of(signed.agent)
    try:
        rule = await _rule_of(services, caller, fields.get("id", ""))
    except (Refused, ValueError):
        return _refused(request, signed, "no such rule", 404)
    draft = read_draft(fields)
    text = _interaction_text(fields, await _recent(services, caller))
    shown = {"interaction_text": text, "chosen_recent": fields.get("recent", "")}
    interaction, problems = read_interaction(text or "{}")
    draft.problems += problems
    if draft.rule is None or interaction is None:
        return await _editor(request, services, signed, draft, rule=rule, status_code=422, **shown)
    try:
        result = await call(
            services,
            RULES_RPC,
            RulesMethod.TEST,
            RuleTest(rule=draft.rule, interaction=interaction),
            caller,
        )
    except Refused as refused:
        draft.problems = refusal_problems(refused.error)
        return await _editor(
            request, services, signed, draft, rule=rule, status_code=refused.error.status, **shown
        )
    return await _editor(request, services, signed, draft, rule=rule, test=result, **shown)


def _day(value: str, fallback: date) -> datetime:
    try:
        chosen = date.fromisoformat(value)
    except ValueError:
        chosen = fallback
    return datetime.combine(chosen, time(0), tzinfo=UTC)


@router.post("/rules/{rule_id}/backtest", response_class=HTMLResponse)
async def backtest(
    rule_id: UUID,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    """The draft over the interactions of a date range (whole days in UTC, the last one
    included), as the rules service logged them; for administrators."""
    caller = session.caller_of(signed.agent)
    try:
        rule = await _stored(services, rule_id, caller)
    except Refused as refused:
        return _refused(request, signed, refused.error.detail, refused.error.status)
    draft = read_draft(fields)
    today = deps.today(request)
    since = _day(fields.get("backtest_from", ""), today - timedelta(days=7))
    until = _day(fields.get("backtest_to", ""), today) + timedelta(days=1)
    shown = {
        "backtest_from": since.date().isoformat(),
        "backtest_to": (until - timedelta(days=1)).date().isoformat(),
    }
    if draft.rule is None:
        return await _editor(request, services, signed, draft, rule=rule, status_code=422, **shown)
    if until <= since:
        draft.problems.append(("backtest", "the range ends before it starts"))
        return await _editor(request, services, signed, draft, rule=rule, status_code=422, **shown)
    try:
        params = RuleBacktestParams(
            id=rule_id,
            backtest=RuleBacktest(**{"from": since}, to=until, rule=draft.rule),
        )
        result = await call(services, RULES_RPC, RulesMethod.BACKTEST, params, caller)
    except Refused as refused:
        draft.problems = [("backtest", why) for _, why in refusal_problems(refused.error)]
        return await _editor(
            request, services, signed, draft, rule=rule, status_code=refused.error.status, **shown
        )
    return await _editor(request, services, signed, draft, rule=rule, backtest=result, **shown)


@router.get("/rules/{rule_id}/history", response_class=HTMLResponse)
async def history(
    rule_id: UUID, request: Request, signed: session.Session, services: ServicesDep
) -> Response:
    caller = session.caller_of(signed.agent)
    try:
        rule = await _stored(services, rule_id, caller)
        changes = await call(
            services, RULES_RPC, RulesMethod.HISTORY, RuleHistoryParams(id=rule_id), caller
        )
    except Refused as refused:
        return _refused(request, signed, refused.error.detail, refused.error.status)
    return page(
        request,
        "rule_history.html.j2",
        language=signed.agent.language,
        agent=signed.agent,
        rule=rule,
        changes=[
            {
                **change,
                "before_json": json.dumps(change["before"], indent=2, ensure_ascii=False)
                if change.get("before")
                else "",
                "after_json": json.dumps(change["after"], indent=2, ensure_ascii=False)
                if change.get("after")
                else "",
            }
            for change in changes["items"]
        ],
    )
