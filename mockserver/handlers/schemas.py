"""Identity schemas (Kratos serves them on the public port; the mock serves one port)."""

from __future__ import annotations

from starlette.responses import Response

from ..pagination import migration_links, migration_page
from .common import Context, check_int64, raw_query, request_path, respond


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
        query = raw_query()
        page, size = migration_page(dict(query))
        everything = list(self.schemas)
        chosen = everything[page * size : (page + 1) * size]
        headers = {
            "X-Total-Count": str(len(everything)),
            "Link": migration_links(request_path(), query, len(everything), page, size),
        }
        return respond([{"id": s.id, "schema": s.document} for s in chosen], 200, headers)

    async def get_identity_schema(self, id: str) -> Response:
        return respond(self.schemas.lookup(id).document)
