"""The words of the administrators' screens for deleting a level, a calendar, an agent or a
team (a confirmation page each), in the ``key: (pt-BR, en)`` form of ``i18n.WORDS`` (which
merges them)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "delete_level": ("Excluir o nível {name}", "Delete the level {name}"),
    "delete_level_warning": (
        "O nível some da lista e as regras não podem mais encaminhar tickets para ele. Um "
        "nível que ainda tem agentes ou tickets abertos não pode ser excluído: passe-os para "
        "outro nível antes; os tickets resolvidos e fechados ficam. Isto não pode ser desfeito.",
        "The level leaves the list and rules can no longer route tickets to it. A level that "
        "still has agents or open tickets cannot be deleted: move them to another level first; "
        "its resolved and closed tickets stay. This cannot be undone.",
    ),
    "delete_level_confirm": ("Sim, excluir o nível", "Yes, delete the level"),
    "keep_level": ("Não, manter o nível", "No, keep the level"),
    "delete_calendar": ("Excluir o calendário {name}", "Delete the calendar {name}"),
    "delete_calendar_warning": (
        "O calendário some da lista. Um calendário que ainda é o de algum nível não pode ser "
        "excluído: dê outro a esses níveis antes. Isto não pode ser desfeito.",
        "The calendar leaves the list. A calendar that is still some level's calendar cannot "
        "be deleted: give those levels another one first. This cannot be undone.",
    ),
    "delete_calendar_confirm": ("Sim, excluir o calendário", "Yes, delete the calendar"),
    "keep_calendar": ("Não, manter o calendário", "No, keep the calendar"),
    "delete_agent": ("Excluir o agente {name}", "Delete the agent {name}"),
    "delete_agent_warning": (
        "O agente não entra mais no console e some das listas. Para só suspender o acesso, "
        'desmarque "Ativo" na lista de agentes. Isto não pode ser desfeito.',
        "The agent can no longer sign in and leaves the lists. To only suspend their access, "
        'untick "Active" in the agents list. This cannot be undone.',
    ),
    "delete_agent_confirm": ("Sim, excluir o agente", "Yes, delete the agent"),
    "keep_agent": ("Não, manter o agente", "No, keep the agent"),
    "delete_yourself": (
        "Você não pode excluir a si mesmo: peça a outro administrador.",
        "You cannot delete yourself: ask another administrator.",
    ),
    "delete_team": ("Excluir a equipe {name}", "Delete the team {name}"),
    "delete_team_warning": (
        "A equipe some da lista. Uma equipe que ainda tem agentes não pode ser excluída: "
        "tire-os antes. Isto não pode ser desfeito.",
        "The team leaves the list. A team that still has agents cannot be deleted: move them "
        "first. This cannot be undone.",
    ),
    "delete_team_confirm": ("Sim, excluir a equipe", "Yes, delete the team"),
    "keep_team": ("Não, manter a equipe", "No, keep the team"),
    "delete_this": ("Excluir {name}", "Delete {name}"),
    "entry_deleted": ("Exclusão feita.", "Deleted."),
}
