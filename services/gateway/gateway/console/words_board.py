"""The kanban's drag and drop words (issue 14, part 2), in the same ``key: (pt-BR, en)``
form as ``i18n.WORDS``, which merges them."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "drag_hint": (
        "Arraste um cartão para outra coluna para mudar o status, ou escolha o status no "
        "próprio cartão.",
        "Drag a card to another column to change its status, or choose the status on the "
        "card itself.",
    ),
    "move_failed": (
        "Não foi possível mover o cartão; ele voltou ao lugar. Tente de novo.",
        "The card could not be moved and is back in its place. Try again.",
    ),
}
