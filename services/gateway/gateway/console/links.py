"""Password links: ticketing draws one for the agent, the notifier mails it. An
administrator's invitation (the API) and a reset asked for on the sign-in page share this."""

from __future__ import annotations

from contracts.credentials import AccessLink, AccessLinkMail, AccessLinkRequest
from contracts.rpc import Caller
from contracts.rpc_notifier import NotifierMethod
from contracts.rpc_ticketing import TicketingMethod
from contracts.topology import NOTIFIER_RPC, TICKETING_RPC
from gateway.deps import Services


async def mail_password_link(
    services: Services, request: AccessLinkRequest, caller: Caller
) -> AccessLink:
    link = AccessLink.model_validate(
        await services.call(TICKETING_RPC, TicketingMethod.CREDENTIALS_LINK, request, caller)
    )
    if link.found and link.expires_at is not None:
        mail = AccessLinkMail(
            token=link.token,
            purpose=link.purpose,
            email=link.email,
            name=link.name,
            language=link.language,
            expires_at=link.expires_at,
        )
        await services.call(NOTIFIER_RPC, NotifierMethod.MAIL_ACCESS_LINK, mail, caller)
    return link
