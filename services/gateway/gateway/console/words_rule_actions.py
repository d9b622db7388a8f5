"""The rule editor's actions form words (issue 14, part 5), in the same ``key: (pt-BR, en)``
form as ``i18n.WORDS``, which merges them. Every action type and field the rules contract
has needs its words here (services/gateway/tests/test_rule_actions.py checks it)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "action_type": ("Ação", "Action"),
    "action_choose": ("— escolha uma ação —", "— choose an action —"),
    "action_add": ("Adicionar ação", "Add an action"),
    "action_remove": ("Remover ação", "Remove action"),
    "action_mode": ("Escrever as ações", "Write the actions"),
    "action_mode_form": ("no formulário", "in the form"),
    "action_mode_json": ("em JSON (avançado)", "as JSON (advanced)"),
    "action_list_hint": ("(separados por vírgula)", "(separated by commas)"),
    "action_no_fields": ("Esta ação não tem campos.", "This action has no fields."),
    "action_json_hint": (
        "Vale o que foi escrito por último: o formulário ou o JSON. Ao salvar ou testar pelo "
        "formulário, o JSON mostra as ações que ele forma.",
        "Whichever was written last counts: the form or the JSON. Saved or tried from the "
        "form, the JSON shows the actions it makes.",
    ),
    # The action types (contracts.rules.RuleActions)
    "action_open_ticket": ("Abrir ticket", "Open a ticket"),
    "action_add_tags": ("Adicionar tags ao ticket", "Add tags to the ticket"),
    "action_alert_emails": ("Alertar por e-mail", "Alert by e-mail"),
    "action_set_priority": ("Definir prioridade", "Set the priority"),
    "action_interaction_tags": ("Marcar a interação com tags", "Tag the interaction"),
    "action_share_emails": ("Pedir opinião por e-mail", "Ask for an opinion by e-mail"),
    "action_auto_reply": ("Responder automaticamente", "Reply automatically"),
    "action_author_groups": ("Pôr o autor em grupos", "Put the author in groups"),
    "action_track_engagement": ("Acompanhar o engajamento", "Track the engagement"),
    "action_digest": ("Resumo por e-mail", "E-mail digest"),
    # Their fields (OpenTicket, AutoReply, Digest)
    "action_field_status": ("Status", "Status"),
    "action_field_priority": ("Prioridade", "Priority"),
    "action_field_level": ("Nível", "Level"),
    "action_field_assignee": ("Responsável", "Assignee"),
    "action_field_team": ("Equipe", "Team"),
    "action_field_title_template": ("Modelo do título", "Title template"),
    "action_field_template": ("Modelo da resposta", "Reply template"),
    "action_field_every": ("A cada", "Every"),
    "action_field_emails": ("E-mails", "E-mails"),
}
