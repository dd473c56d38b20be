"""Identity schemas (Kratos serves them on the public port; the mock serves one port)."""

from __future__ import annotations

from starlette.responses import Response

from .common import Context, check_int64, migration_paginate, respond


class SchemaHandlers:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.schemas = ctx.store.schemas

    async def list_identity_schemas(
        self,
        page: int | None = None,
        per_page: int | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> Response:
        check_int64(page=page, per_page=per_page, page_size=page_size)
        chosen, headers = migration_paginate(list(self.schemas))
        return respond([{"id": s.id, "schema": s.document} for s in chosen], 200, headers)

    async def get_identity_schema(self, id: str) -> Response:
        return respond(self.schemas.lookup(id).document)
