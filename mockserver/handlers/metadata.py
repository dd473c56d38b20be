"""Health and version. Readiness asks the store, so a wedged store reads as not ready."""

from __future__ import annotations

from starlette.responses import Response

from .. import __version__
from .common import Context, respond


class MetadataHandlers:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def is_alive(self) -> Response:
        return respond({"status": "ok"})

    async def is_ready(self) -> Response:
        if self.ctx.store.ping():
            return respond({"status": "ok"})
        return respond({"errors": {"database": "the in-memory store did not answer within 1s"}}, 503)

    async def get_version(self) -> Response:
        return respond({"version": __version__})
