"""Account gate: the org must be active, the key active, and no blocking screening hit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.gateway.context import RequestContext, Verdict, allow, deny

if TYPE_CHECKING:
    from bastion.services import Services

_ORG_REFUSALS = {
    "pending": ("org_pending", "Your organisation has not been approved yet."),
    "suspended": ("org_suspended", "Your organisation's access is suspended."),
    "closed": ("org_closed", "Your organisation's account is closed."),
}


class AccountGate:
    name = "account_gate"

    async def check(self, ctx: RequestContext) -> Verdict:
        p = ctx.principal
        if p is None:
            return deny("unauthenticated", "The request was not authenticated.", 401)
        if p.key_status != "active":
            return deny("key_revoked", "This API key has been revoked.", 403, key_id=p.key_id)
        if p.org_status != "active":
            reason, message = _ORG_REFUSALS.get(p.org_status, ("org_inactive", "Your organisation is not active."))
            return deny(reason, message, 403, org_id=p.org_id, org_status=p.org_status)
        if p.screening_state == "block":
            return deny("screening_block", "Access is refused pending a denied-party screening review.", 403,
                        org_id=p.org_id, screening_state=p.screening_state)
        return allow()


def build(services: Services) -> AccountGate:
    return AccountGate()
