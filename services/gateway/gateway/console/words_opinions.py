"""The console's words for opinion requests on the ticket page (``key: (pt-BR, en)``),
merged into ``i18n.WORDS``."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "opinions": ("Opiniões de fora", "Outside opinions"),
    "opinion_none": ("Nenhuma opinião pedida ainda.", "No opinion requested yet."),
    "opinion_waiting": ("aguardando resposta", "waiting for an answer"),
    "opinion_answered": ("respondida", "answered"),
    "opinion_undeliverable": ("não entregue", "undeliverable"),
    "opinion_files": ("Arquivos", "Files"),
    "opinion_email": ("E-mail do colega", "Colleague's e-mail"),
    "opinion_question": ("Pergunta", "Question"),
    "opinion_file": ("Anexo (opcional)", "Attachment (optional)"),
    "opinion_file_hint": (
        "Documento ou imagem de até 5 MiB; o colega recebe um link que vale uma vez.",
        "A document or an image up to 5 MiB; the colleague gets a link that works once.",
    ),
    "opinion_send": ("Pedir opinião", "Ask for an opinion"),
}
