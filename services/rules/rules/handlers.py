"""The rules service's handlers: triage every received interaction, and rule CRUD, history and
dry runs for the gateway."""

from __future__ import annotations

from dataclasses import dataclass, field

from faststream.rabbit import RabbitRouter

from contracts import topology
from contracts.backtest import RuleBacktestResult
from contracts.events import InteractionReceivedV1, InteractionTriagedV1
from contracts.persons import PersonChangedV1
from contracts.rpc import Caller
from contracts.rpc_rules import (
    RuleBacktestParams,
    RuleDeleted,
    RuleDeleteParams,
    RuleGetParams,
    RuleHistoryParams,
    RuleListParams,
    RuleReplaceParams,
    RulesMethod,
)
from contracts.rules import (
    RuleDefinition,
    RuleHistory,
    RulePage,
    RuleRead,
    RuleTest,
    RuleTestResult,
)
from rules import references, services
from rules.access import change_shown, require_admin, shown
from rules.calendars import CalendarBook
from rules.domain.digest import WindowClock
from rules.domain.matching import evaluation_order
from rules.rulebook import RuleBook
from rules.store.port import RuleStore
from servicekit import consuming, rpc
from servicekit.clock import Clock, system_clock
from servicekit.event_consumer import EventConsumer
from servicekit.publishing import EventPublisher


@dataclass
class Deps:
    store: RuleStore
    rulebook: RuleBook
    publisher: EventPublisher
    clock: WindowClock = field(default_factory=WindowClock)
    vocabulary: references.Vocabulary = field(default=references.unavailable)
    calendars: CalendarBook | None = None
    now: Clock = system_clock
    """The time an interaction is received at (tests move it: ``RULES_CLOCK_OFFSET_FILE``)."""


def build_router(deps: Deps, events: EventConsumer | None = None) -> RabbitRouter:
    """The request/reply methods, and the consumers: on ``events`` when given (what the
    service runs, ``servicekit.event_consumer``), else on FastStream's subscribers (the
    handler tests' in-memory broker)."""
    router = RabbitRouter()
    consumers: consuming.Registrar = events if events is not None else router

    async def on_received(event: InteractionReceivedV1) -> None:
        decision = await services.triage(
            rulebook=deps.rulebook,
            store=deps.store,
            interaction=event.interaction,
            received_at=deps.now(),
            clock=deps.clock,
            calendars=deps.calendars,
        )
        await deps.publisher.publish(
            InteractionTriagedV1(**event.caused(), interaction=event.interaction, decision=decision)
        )

    consuming.consume(
        consumers,
        topology.RULES_INTERACTIONS,
        InteractionReceivedV1,
        on_received,
        publisher=deps.publisher,
    )

    async def on_person_changed(event: PersonChangedV1) -> None:
        await services.keep_person(store=deps.store, event=event)

    consuming.consume(
        consumers,
        topology.RULES_PEOPLE,
        PersonChangedV1,
        on_person_changed,
        publisher=deps.publisher,
    )

    async def list_rules(params: RuleListParams, caller: Caller) -> RulePage:
        ordered = evaluation_order(await deps.store.list_rules())
        return RulePage(items=[shown(r, caller) for r in ordered], total=len(ordered))

    async def get_rule(params: RuleGetParams, caller: Caller) -> RuleRead:
        rule = await deps.store.get_rule(params.id)
        if rule is None:
            raise rpc.NotFound(f"no rule {params.id}")
        return shown(rule, caller)

    async def create_rule(definition: RuleDefinition, caller: Caller) -> RuleRead:
        require_admin(caller, what="change rules")
        return await services.create_rule(
            store=deps.store,
            rulebook=deps.rulebook,
            definition=definition,
            actor=caller.id,
            clock=deps.clock,
            vocabulary=deps.vocabulary,
        )

    async def replace_rule(params: RuleReplaceParams, caller: Caller) -> RuleRead:
        require_admin(caller, what="change rules")
        return await services.replace_rule(
            store=deps.store,
            rulebook=deps.rulebook,
            rule_id=params.id,
            definition=params.rule,
            actor=caller.id,
            clock=deps.clock,
            vocabulary=deps.vocabulary,
        )

    async def delete_rule(params: RuleDeleteParams, caller: Caller) -> RuleDeleted:
        require_admin(caller, what="change rules")
        await services.delete_rule(
            store=deps.store, rulebook=deps.rulebook, rule_id=params.id, actor=caller.id
        )
        return RuleDeleted()

    async def history(params: RuleHistoryParams, caller: Caller) -> RuleHistory:
        changes = await deps.store.history(params.id)
        if not changes:
            raise rpc.NotFound(f"no rule {params.id}")
        return RuleHistory(items=[change_shown(c, caller) for c in changes])

    async def dry_run(request: RuleTest, caller: Caller) -> RuleTestResult:
        return await services.dry_run(request=request, vocabulary=deps.vocabulary)

    async def backtest(params: RuleBacktestParams, caller: Caller) -> RuleBacktestResult:
        require_admin(caller, what="backtest a rule over the logged interactions")
        return await services.backtest(
            store=deps.store,
            rule_id=params.id,
            request=params.backtest,
            vocabulary=deps.vocabulary,
        )

    rpc.serve(
        router,
        topology.RULES_RPC,
        {
            RulesMethod.LIST: rpc.typed(RuleListParams, list_rules),
            RulesMethod.GET: rpc.typed(RuleGetParams, get_rule),
            RulesMethod.CREATE: rpc.typed(RuleDefinition, create_rule),
            RulesMethod.REPLACE: rpc.typed(RuleReplaceParams, replace_rule),
            RulesMethod.DELETE: rpc.typed(RuleDeleteParams, delete_rule),
            RulesMethod.HISTORY: rpc.typed(RuleHistoryParams, history),
            RulesMethod.TEST: rpc.typed(RuleTest, dry_run),
            RulesMethod.BACKTEST: rpc.typed(RuleBacktestParams, backtest),
        },
    )
    return router
