"""The rules pages' words (issue 14, part 5), in the same ``key: (pt-BR, en)`` form as
``i18n.WORDS``, which merges them."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "rules": ("Regras", "Rules"),
    "rules_order": (
        "Na ordem em que são avaliadas: menor ordem primeiro, depois a mais antiga.",
        "In the order they are evaluated: lowest order first, then the oldest.",
    ),
    "rules_read_only": (
        "Só administradores salvam regras; você pode lê-las e testá-las.",
        "Only administrators save rules; you can read and try them.",
    ),
    "new_rule": ("Nova regra", "New rule"),
    "no_rules": ("Nenhuma regra ainda.", "No rule yet."),
    "rule_name": ("Nome", "Name"),
    "rule_order": ("Ordem", "Order"),
    "rule_order_hint": (
        "Menor roda antes; com a mesma ordem, a mais antiga antes.",
        "Lower runs first; with the same order, the oldest first.",
    ),
    "rule_state": ("Estado", "State"),
    "rule_active": ("Ativa", "Active"),
    "rule_inactive": ("Inativa", "Inactive"),
    "rule_stops": ("Para as regras seguintes", "Stops the rules after it"),
    "rule_when": ("Condições", "Conditions"),
    "rule_then": ("Ações", "Actions"),
    "rule_version": ("Versão", "Version"),
    "rule_starts": ("Começa em (UTC)", "Starts at (UTC)"),
    "rule_ends": ("Termina em (UTC)", "Ends at (UTC)"),
    "rule_refused": ("A regra não foi aceita:", "The rule was not accepted:"),
    "save_rule": ("Salvar regra", "Save rule"),
    "back_to_rules": ("Voltar às regras", "Back to the rules"),
    "dry_run": ("Testar", "Dry run"),
    "dry_run_result": ("Resultado do teste", "Dry run result"),
    "recent_interaction": ("Uma interação recente", "A recent interaction"),
    "use_recent": (
        "Usar a recente mesmo com texto colado",
        "Use the recent one even over pasted text",
    ),
    "pasted_interaction": ("Ou cole uma interação", "Or paste an interaction"),
    "rule_matches": ("A regra dispara.", "The rule matches."),
    "rule_misses": ("A regra não dispara.", "The rule does not match."),
    "backtest": ("Teste retroativo", "Backtest"),
    "backtest_from": ("De", "From"),
    "backtest_to": ("Até (inclusive)", "To (included)"),
    "run_backtest": ("Rodar teste retroativo", "Run backtest"),
    "backtest_counts": (
        "{matched} de {evaluated} interações disparariam a regra.",
        "{matched} of {evaluated} interactions would match.",
    ),
    "backtest_partial": (
        "O período tem mais interações do que um teste avalia: reduza-o.",
        "The range holds more interactions than one backtest evaluates: narrow it.",
    ),
    "backtest_none": ("Nenhuma interação dispararia.", "No interaction would match."),
    "when_occurred": ("Quando", "When"),
    "interaction": ("Interação", "Interaction"),
    "text": ("Texto", "Text"),
    "reasons": ("Por quê", "Why"),
    "rule_help": ("Campos da regra", "Rule fields"),
    "rule_help_hint": (
        "Lidos do próprio contrato das regras: o que está aqui é o que o serviço aceita.",
        "Read from the rules contract itself: what is here is what the service accepts.",
    ),
    "before": ("Antes", "Before"),
    "after": ("Depois", "After"),
}
