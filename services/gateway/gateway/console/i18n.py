"""The console's words in Portuguese (pt-BR) and English: the agent's own setting once signed
in, else the browser's Accept-Language (Portuguese when it names neither)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from gateway.console import words_admin, words_inbox, words_opinions, words_replies, words_rules
from gateway.console.words_admin_delete import WORDS as ADMIN_DELETE_WORDS
from gateway.console.words_admin_more import WORDS as ADMIN_SCREENS_WORDS
from gateway.console.words_admin_sla import WORDS as ADMIN_SLA_WORDS
from gateway.console.words_board import WORDS as BOARD_WORDS
from gateway.console.words_rule_actions import WORDS as RULE_ACTION_WORDS
from gateway.routes.opinions import page_language

LANGUAGES = ("pt-BR", "en")

WORDS: dict[str, tuple[str, str]] = {
    # key: (pt-BR, en)
    "app": ("Socialdesk", "Socialdesk"),
    "skip": ("Pular para o conteúdo", "Skip to content"),
    "sign_in": ("Entrar", "Sign in"),
    "sign_out": ("Sair", "Sign out"),
    "email": ("E-mail", "E-mail"),
    "password": ("Senha", "Password"),
    "new_password": ("Nova senha", "New password"),
    "password_hint": ("Pelo menos 10 caracteres.", "At least 10 characters."),
    "set_password": ("Salvar senha", "Save password"),
    "choose_password": ("Escolha sua senha", "Choose your password"),
    "password_saved": (
        "Senha salva. Entre com seu e-mail e a nova senha.",
        "Password saved. Sign in with your e-mail and the new password.",
    ),
    "forgot": ("Esqueci minha senha", "I forgot my password"),
    "reset_title": ("Redefinir senha", "Reset your password"),
    "reset_send": ("Enviar link", "Send me a link"),
    "reset_sent": (
        "Se o endereço for de um agente ativo, um link para escolher a senha foi enviado.",
        "If the address is an active agent's, a link to choose a password is on its way.",
    ),
    "signed_out": ("Você saiu.", "You are signed out."),
    "wrong_credentials": ("E-mail ou senha incorretos.", "Wrong e-mail address or password."),
    "too_many": (
        "Muitas tentativas sem sucesso. Tente de novo em {seconds} s.",
        "Too many failed attempts. Try again in {seconds} s.",
    ),
    "inbox": ("Caixa de entrada", "Inbox"),
    "tickets": ("Tickets", "Tickets"),
    "filters": ("Filtros", "Filters"),
    "apply": ("Aplicar", "Apply"),
    "any": ("Qualquer", "Any"),
    "mine": ("Meus", "Mine"),
    "protocol": ("Protocolo", "Protocol"),
    "title": ("Título", "Title"),
    "status": ("Status", "Status"),
    "priority": ("Prioridade", "Priority"),
    "level": ("Nível", "Level"),
    "assignee": ("Responsável", "Assignee"),
    "channel": ("Canal", "Channel"),
    "tags": ("Tags", "Tags"),
    "updated": ("Atualizado", "Updated"),
    "nobody": ("ninguém", "nobody"),
    "no_tickets": ("Nenhum ticket com esses filtros.", "No ticket matches these filters."),
    "count": ("{total} tickets", "{total} tickets"),
    "live": (
        "Atualiza sozinha quando chegam tickets.",
        "Updates by itself as tickets arrive.",
    ),
    "conversation": ("Conversa", "Conversation"),
    "history": ("Histórico", "History"),
    "actions": ("Ações", "Actions"),
    "note": ("Nota interna", "Internal note"),
    "add_note": ("Adicionar nota", "Add note"),
    "save": ("Salvar", "Save"),
    "assign": ("Atribuir", "Assign"),
    "assign_to": ("Atribuir a", "Assign to"),
    "most_available": ("Agente mais disponível do nível", "The level's most available agent"),
    "tags_hint": ("Separadas por vírgula.", "Separated by commas."),
    "back": ("Voltar à caixa de entrada", "Back to the inbox"),
    "edited": ("editado", "edited"),
    "removed": ("removido na rede", "removed on the network"),
    "saved": ("Salvo.", "Saved."),
    "refused": ("Não foi possível", "Could not do that"),
    "signed_in_as": ("Conectado como {name}", "Signed in as {name}"),
    "inbound": ("recebida", "received"),
    "outbound": ("enviada", "sent"),
    "not_found": ("Não encontrado", "Not found"),
}
WORDS |= words_replies.WORDS

WORDS.update(words_inbox.WORDS)
WORDS.update(words_rules.WORDS)

WORDS.update(words_admin.WORDS)  # the reports', admin screens' and author panel's words
WORDS.update(words_opinions.WORDS)  # the ticket page's opinion requests
WORDS.update(BOARD_WORDS)  # the kanban's drag and drop
WORDS.update(RULE_ACTION_WORDS)  # the rule editor's actions form
WORDS.update(ADMIN_SCREENS_WORDS)  # account deletion, level/calendar/agent pages
WORDS.update(ADMIN_DELETE_WORDS)  # deleting levels, calendars, agents and teams
WORDS.update(ADMIN_SLA_WORDS)  # a level's targets by priority and colour bands

Translate = Callable[..., str]


def translator(language: str) -> Translate:
    index = 0 if language == "pt-BR" else 1

    def t(key: str, **values: object) -> str:
        text = WORDS[key][index]
        return text.format(**values) if values else text

    return t


def browser_language(accept_language: str) -> str:
    return page_language(accept_language)


@cache
def words(language: str) -> dict[str, str]:
    """Every word in one language, for the templates drawn most (the inbox's rows): a
    subscript per word instead of a call to ``t`` through Jinja's ``Context.call``."""
    index = 0 if language == "pt-BR" else 1
    return {key: both[index] for key, both in WORDS.items()}
