"""The words of the administrators' screens for deleting an account, creating a level and
editing its SLA, a calendar's holidays and exceptions, and an agent's levels and teams, in the
``key: (pt-BR, en)`` form of ``i18n.WORDS`` (which merges them)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "delete_account": ("Excluir a conta {name}", "Delete the account {name}"),
    "delete_account_warning": (
        "A conta deixa de coletar e some da lista. Os tickets e interações já recebidos "
        "ficam. Isto não pode ser desfeito.",
        "The account stops collecting and leaves the list. Tickets and interactions already "
        "received stay. This cannot be undone.",
    ),
    "delete_account_confirm": ("Sim, excluir a conta", "Yes, delete the account"),
    "keep_account": ("Não, manter a conta", "No, keep the account"),
    "deleted": ("Excluída.", "Deleted."),
    "new_level": ("Novo nível", "New level"),
    "level_settings": ("Nível {name}", "Level {name}"),
    "edit_level": ("Editar calendário e SLA", "Edit calendar and SLA"),
    "next_response": ("Próxima resposta", "Next response"),
    "sla_amount": ("{target}: quantidade", "{target}: amount"),
    "sla_unit": ("{target}: unidade", "{target}: unit"),
    "no_target": ("Deixe vazio para sem meta.", "Leave empty for no target."),
    "unit_minutes": ("minutos", "minutes"),
    "unit_hours": ("horas", "hours"),
    "unit_days": ("dias úteis", "business days"),
    "pausing_statuses": (
        "O relógio para nestes status",
        "The clock stops in these statuses",
    ),
    "ticket_status_new": ("novo", "new"),
    "ticket_status_open": ("aberto", "open"),
    "ticket_status_pending": ("pendente", "pending"),
    "ticket_status_on_hold": ("em espera", "on hold"),
    "edit_calendar": (
        "Horários, feriados e exceções",
        "Hours, holidays and exceptions",
    ),
    "calendar_of": ("Calendário {name}", "Calendar {name}"),
    "weekly_hours": ("Horário semanal", "Weekly hours"),
    "hours_hint": (
        "Ex.: 09:00-12:00, 13:00-18:00. Vazio: dia fechado.",
        "E.g. 09:00-12:00, 13:00-18:00. Empty: closed day.",
    ),
    "holidays": ("Feriados", "Holidays"),
    "new_holiday": ("Novo feriado", "New holiday"),
    "holiday_date": ("Numa data (uma vez)", "On a date (once)"),
    "holiday_yearly": ("Todo ano em (MM-DD)", "Every year on (MM-DD)"),
    "holiday_when": ("Quando", "When"),
    "every_year": ("todo ano em {day}", "every year on {day}"),
    "exceptions": ("Exceções", "Exceptions"),
    "new_exception": ("Nova exceção", "New exception"),
    "exception_date": ("Data", "Date"),
    "exception_hours": ("Horário nesse dia", "Hours on that day"),
    "exception_hint": (
        "Substitui o horário semanal e feriados nesse dia. Vazio: fechado.",
        "Replaces the weekly hours and any holiday on that day. Empty: closed.",
    ),
    "closed": ("fechado", "closed"),
    "remove": ("Remover", "Remove"),
    "remove_named": ("Remover {name}", "Remove {name}"),
    "add": ("Adicionar", "Add"),
    "agent_of": ("Agente {name}", "Agent {name}"),
    "memberships": ("Níveis e equipes", "Levels and teams"),
    "agent_levels_legend": ("Níveis em que trabalha", "Levels they work"),
    "agent_teams_legend": ("Equipes de que faz parte", "Teams they belong to"),
    "yes": ("sim", "yes"),
    "no": ("não", "no"),
    "no_levels": ("Nenhum nível ainda.", "No level yet."),
    "no_teams": ("Nenhuma equipe ainda.", "No team yet."),
    "missing_named": ("Não encontrado: {name}", "Not found: {name}"),
    "stale_revision": (
        "Outra pessoa salvou isto depois que você abriu a página, e nada do que ela salvou "
        "foi desfeito: sua alteração não foi salva. A página mostra agora os valores "
        "atuais; refaça sua alteração sobre eles.",
        "Someone else saved this after you opened the page, and nothing they saved was "
        "undone: your change was not saved. The page now shows the current values; make your "
        "change again on them.",
    ),
}
