"""Identity operations: list, get, get by external id, create, update, patch, delete, batch."""

from __future__ import annotations

import functools
from typing import Any

from starlette.responses import Response

from .. import bodies, patching, wire
from ..errors import DecoderError, PlainError, bad_request
from ..godecode import GoType
from ..models import IdentityDraft
from ..pagination import keyset_links, offset_links
from ..store import IdentityPage
from ..values import NIL_UUID, lenient_uuid, parse_int
from .common import (
    Context,
    EncodedViews,
    body_is_empty,
    check_int64,
    decoderx,
    include_credentials,
    json_decoder,
    no_content,
    raw_query,
    request_path,
    respond,
)

MAX_IDS = 500
MAX_PAGE = 500
OFFSET_LIMIT = 1000  # offset pages stop here (identity/handler.go, list)
MAX_BATCH = 1000
MAX_PLAINTEXT_BATCH = 200
_FILTERS = ("ids", "credentials_identifier", "preview_credentials_identifier_similar", "organization_id")


def _int_param(raw: dict[str, str], name: str, default: int) -> int:
    value = parse_int(raw.get(name), default)
    if value is None:
        raise bad_request(f"could not parse parameter {name}")
    return value


class IdentityHandlers:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.views = EncodedViews()

    def _view(
        self,
        identity: Any,
        *,
        credentials: str = "meta",
        include: list[str] | tuple[str, ...] = (),
        metadata_admin: str = "always",
    ) -> dict[str, Any]:
        return wire.identity_json(
            identity, self.ctx.public_url, credentials=credentials, include=include, metadata_admin=metadata_admin
        )

    async def list_identities(
        self,
        ids: list[str] | None = None,
        credentials_identifier: str | None = None,
        preview_credentials_identifier_similar: str | None = None,
        organization_id: str | None = None,
        include_credential: list[str] | None = None,
        page: int | None = None,
        per_page: int | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        consistency: str | None = None,
    ) -> Response:
        # Connexion fills in defaults; Kratos picks the pagination dialect from what was sent.
        check_int64(page=page, per_page=per_page, page_size=page_size)
        query = raw_query()
        raw = dict(query)
        include = include_credentials(include_credential, listing=True)
        used = [
            name
            for name, value in zip(
                _FILTERS,
                (ids, credentials_identifier, preview_credentials_identifier_similar, organization_id),
                strict=True,
            )
            if value
        ]
        if len(used) > 1:
            raise bad_request("You cannot combine multiple filters in this API")
        id_filter = None
        if ids:
            if len(ids) > MAX_IDS:
                raise bad_request(f"The number of ids to filter must not exceed {MAX_IDS}.")
            id_filter = [wire.parse_body_uuid(i, "ids") or NIL_UUID for i in ids]
        org = wire.parse_body_uuid(organization_id, "organization_id")
        fetch = functools.partial(
            self.store.list_identities,
            ids=id_filter,
            credentials_identifier=credentials_identifier or None,
            identifier_prefix=preview_credentials_identifier_similar or None,
            organization_id=org,
        )
        load_credentials = bool(include or credentials_identifier or preview_credentials_identifier_similar)
        headers: dict[str, str] = {}
        if "page" in raw and "page_token" not in raw and "page_size" not in raw:
            page = max(_int_param(raw, "page", 0), 0)
            per_page = _int_param(raw, "per_page", 250)
            per_page = min(per_page if per_page > 0 else 250, MAX_PAGE)
            if page * per_page > OFFSET_LIMIT:
                raise bad_request(
                    "Legacy pagination is not supported for enumerating over 1000 items. "
                    "Please switch to using page_token and page_size."
                )
            result: IdentityPage = fetch(page=page, page_size=per_page)
            total = result.total or 0
            headers["X-Total-Count"] = str(total)
            headers["Link"] = offset_links(request_path(), query, total, page, per_page)
        else:
            size_name = "page_size" if "page_size" in raw or "per_page" not in raw else "per_page"
            size = _int_param(raw, size_name, 250)
            size = min(size if size > 0 else 250, MAX_PAGE)
            token = raw.get("page_token") or NIL_UUID
            if lenient_uuid(token) == NIL_UUID and token != NIL_UUID:
                raise bad_request("The page token is invalid, do not craft your own page tokens")
            result = fetch(page_size=size, page_token=token)
            next_token = result.items[-1].id if result.has_next else None
            query = [(k, v) for k, v in query if k != "per_page"]
            headers["Link"] = keyset_links(request_path(), query, size, NIL_UUID, next_token)
        mode = "declassify" if load_credentials else "hidden"
        return respond([self._view(i, credentials=mode, include=include) for i in result.items], 200, headers)

    async def get_identity(self, id: str, include_credential: list[str] | None = None) -> Response:
        identity = self.store.get_identity(lenient_uuid(id))  # looked up first: unknown is 404 (v26.2 getIdentity)
        include = tuple(include_credentials(include_credential, listing=False))
        key = ("getIdentity", identity.id, include, self.ctx.public_url)
        return respond(
            self.views.get(identity, key, lambda: self._view(identity, credentials="declassify", include=include))
        )

    async def get_identity_by_external_id(
        self,
        externalID: str,  # noqa: N803 - the spec's parameter name
        include_credential: list[str] | None = None,
    ) -> Response:
        identity = self.store.get_identity_by_external_id(externalID)
        include = include_credentials(include_credential, listing=False)
        return respond(self._view(identity, credentials="declassify", include=include))

    async def create_identity(self, body: Any = None) -> Response:
        draft = wire.parse_create_body(json_decoder(body))
        identity = self.store.create_identity(draft)
        location = f"{self.ctx.admin_url}/identities/{identity.id}"
        return respond(self._view(identity, metadata_admin="if-set"), 201, {"Location": location})

    async def update_identity(self, id: str, body: Any = None) -> Response:
        draft = wire.parse_update_body(decoderx(body, bodies.UPDATE_IDENTITY))
        identity = self.store.update_identity(lenient_uuid(id), draft)
        return respond(self._view(identity, metadata_admin="if-set"))

    async def patch_identity(self, id: str, body: Any = None) -> Response:
        identity = self.store.patch_identity(lenient_uuid(id), patching.EMPTY if body_is_empty() else body)
        return respond(self._view(identity))

    async def delete_identity(self, id: str) -> Response:
        self.store.delete_identity(lenient_uuid(id))
        return no_content()

    async def delete_identity_credentials(self, id: str, type: str, identifier: str | None = None) -> Response:
        self.store.delete_credential(lenient_uuid(id), type, identifier)
        return no_content()

    async def batch_patch_identities(self, body: Any = None) -> Response:
        """identity/handler.go batchPatchIdentities: one strict decode of the whole body (its
        errors written with WriteErrorCode, ``PlainError``), the limits, then each ``create``."""
        entries = batch_entries(body, bodies.BATCH_PATCH)
        if len(entries) > MAX_BATCH:
            raise bad_request(
                f"The maximum number of identities per request that can be created or deleted at once is {MAX_BATCH}."
            )
        drafts: list[IdentityDraft | None] = [
            None if entry.get("create") is None else wire.parse_create_body(entry["create"]) for entry in entries
        ]
        plaintext = sum(
            1 for entry in entries if _dig(entry, "create", "credentials", "password", "config", "password")
        )
        if plaintext > MAX_PLAINTEXT_BATCH:
            raise bad_request(
                "The maximum number of identities per request that can be created with a plaintext password "
                f"is {MAX_PLAINTEXT_BATCH}."
            )
        results = self.store.batch_create(drafts)
        out: list[dict[str, Any] | None] = []
        for entry, result in zip(entries, results, strict=True):
            if result is None:
                out.append(None)
                continue
            item: dict[str, Any]
            if isinstance(result, Exception):
                item = {"action": "error", "error": result.inner()}
            else:
                item = {"action": "create", "identity": result.id}
            if entry.get("patch_id"):
                item["patch_id"] = entry["patch_id"]
            out.append(item)
        return respond({"identities": out})


def batch_entries(body: Any, struct: GoType) -> list[dict[str, Any]]:
    """The batch body as ``jsonx.NewStrictDecoder`` reads it into ``BatchPatchIdentitiesBody``.
    A ``null`` entry is a nil ``*BatchIdentityPatch`` that Kratos dereferences (a panic); the mock
    answers 400."""
    try:
        decoded = wire.decode(json_decoder(body), struct, strict=True) or {}
    except DecoderError as error:
        raise PlainError(error.text) from None
    entries: list[dict[str, Any] | None] = decoded.get("identities") or []
    if any(entry is None for entry in entries):
        raise bad_request("A batch entry is null: Kratos dereferences it and fails with a 500.")
    return entries  # type: ignore[return-value]


def _dig(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node
