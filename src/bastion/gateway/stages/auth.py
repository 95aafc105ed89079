"""Authenticate: API key -> principal (org, key, user)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.gateway.context import RequestContext, Verdict, allow, deny
from bastion.store.accounts import AccountStore

if TYPE_CHECKING:
    from bastion.services import Services


class Authenticate:
    name = "authenticate"

    def __init__(self, accounts: AccountStore) -> None:
        self.accounts = accounts

    async def check(self, ctx: RequestContext) -> Verdict:
        if not ctx.api_key:
            return deny("missing_api_key", "You didn't provide an API key (Authorization: Bearer <key>).", 401)
        principal = await self.accounts.authenticate(ctx.api_key)
        if principal is None:
            # Never echo the key: only its public prefix, and only if it is well-formed.
            return deny("invalid_api_key", "Incorrect API key provided.", 401)
        ctx.principal = principal
        return allow()


def build(services: Services) -> Authenticate:
    return Authenticate(services.accounts)
