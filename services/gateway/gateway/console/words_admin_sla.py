"""The words of a level's page for its SLA targets by priority and its colour bands, in the
``key: (pt-BR, en)`` form of ``i18n.WORDS`` (which merges them)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "sla_by_priority": ("Metas por prioridade", "Targets by priority"),
    "sla_by_priority_hint": (
        "Uma meta vazia usa a do nível, acima.",
        "An empty target uses the level's, above.",
    ),
    # "Resolution (high): amount", never containing the level's own "Resolution: amount".
    "sla_priority_amount": ("{target} ({priority}): quantidade", "{target} ({priority}): amount"),
    "sla_priority_unit": ("{target} ({priority}): unidade", "{target} ({priority}): unit"),
    "sla_bands": ("Faixas de cor do SLA", "SLA colour bands"),
    "sla_bands_hint": (
        "Em % da meta já usada: verde antes do amarelo, vermelho até vencer.",
        "As a % of the target already used: green before yellow, red until overdue.",
    ),
    "yellow_at": ("Amarelo a partir de (%)", "Yellow from (%)"),
    "red_at": ("Vermelho a partir de (%)", "Red from (%)"),
}
