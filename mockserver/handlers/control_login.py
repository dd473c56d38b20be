"""``POST /__mock__/login``: the control plane's way to log a user in without the flow dance
(what ``kratos_mock.login`` does in pytest; ``mockserver.direct_login``)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from .. import wire
from ..direct_login import login
from ..errors import KratosError
from .common import Context, respond


class ControlLoginHandlers:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def login_user(self, body: dict[str, Any]) -> Response:
        identifier, aal = body.get("identifier"), body.get("aal", "aal1")
        if not isinstance(identifier, str) or not isinstance(aal, str):
            raise KratosError(400, "identifier (an identity id, identifier or address) and aal must be strings")
        try:
            done = login(self.ctx.store, self.ctx.config, identifier, aal=aal)
        except ValueError as error:
            code = 404 if str(error).startswith("no identity") else 400
            raise KratosError(code, str(error)) from None
        session = wire.session_json(done.session, done.identity, self.ctx.public_url, active=True, devices="show")
        return respond(
            {"session": session, "token": done.token, "cookie": done.cookie, "logout_token": done.logout_token}, 201
        )
