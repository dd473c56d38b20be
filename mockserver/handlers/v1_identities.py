"""Identity operations as Kratos v1.0.0 and v1.1.0 serve them (identity/handler.go at each tag).

What differs from v26.2 (``IdentityHandlers``, which these subclass):

* list: v1.0 pages by ``page``/``per_page`` (0-based) over ids in descending order, with
  ``X-Total-Count`` and links on ``SelfAdminURL/identities``; ``credentials_identifier`` matches
  password and webauthn identifiers and returns at most one identity (persister ListIdentities
  @v1.0.0). v1.1 pages by keyset (ids ascending, no maximum size, the token not checked) or, with
  ``page``, by offset (x/pagination.go ParseKeysetOrPagePagination @v1.1.0); filters combine.
* get: the identity is loaded before ``include_credential`` is checked; v1.x's credential types.
* create, batch: the v1.x bodies (``v1_bodies``); batches run as one transaction (StoreRules).
* views: no ``external_id``; v1.0 has no ``organization_id`` either.
"""

from __future__ import annotations

from typing import Any, ClassVar

from starlette.responses import Response

from .. import wire
from ..errors import KratosError, bad_request, create_conflict, unique_violation
from ..godecode import Struct
from ..identity_schemas import normalize_identifier
from ..models import Identity, IdentityDraft
from ..pagination_v1 import (
    atoi_error,
    first,
    has,
    keyset_link,
    link_header,
    migration_params,
    page_params,
    parse_migration,
    parse_page,
)
from ..values import NIL_UUID, lenient_uuid, parse_int
from .common import decoderx, json_decoder, raw_query, request_path, respond
from .identities import IdentityHandlers, batch_entries
from .v1_bodies import CREATE_V1_0, CREATE_V1_1, UPDATE_IDENTITY, batch_patch, parse_create

# The list handlers name only the parameters they take from connexion (``type: ignore[override]``):
# connexion coerces every declared parameter a handler names, and these read their page parameters
# leniently from the raw query, as ory/x's paginators do.
BATCH_LIMIT = 2000  # identity/handler.go BatchPatchIdentitiesLimit @v1.0.0, v1.1.0
PAGE_LIMIT = 1000  # x.PagePaginationLimit @v1.1.0
V1_0_TYPES = ("password", "oidc", "totp", "lookup_secret", "webauthn", "link_recovery", "code_recovery")


class V1IdentityHandlers(IdentityHandlers):
    """What v1.0 and v1.1 share; the subclasses set the release's constants."""

    ORGANIZATIONS: ClassVar[bool] = True  # Identity.OrganizationID exists (v1.1)
    CREDENTIAL_TYPES: ClassVar[tuple[str, ...]] = V1_0_TYPES  # identity.ParseCredentialsType
    PLAIN_CREATE_ERRORS: ClassVar[bool] = False  # create writes decoder errors with WriteErrorCode
    CREATE_BODY: ClassVar[Struct] = CREATE_V1_1

    def _view(self, identity: Any, **options: Any) -> dict[str, Any]:
        out = super()._view(identity, **options)
        out.pop("external_id", None)
        if not self.ORGANIZATIONS:
            out.pop("organization_id", None)
        return out

    async def get_identity(self, id: str, include_credential: list[str] | None = None) -> Response:
        identity = self.store.get_identity(lenient_uuid(id))
        parsed: list[str] = []
        for value in [v for k, v in raw_query() if k == "include_credential"]:
            if value not in self.CREDENTIAL_TYPES:  # prints the slice parsed so far, as Go's %s does
                raise bad_request(f"Invalid value `[{' '.join(parsed)}]` for parameter `include_credential`.")
            parsed.append(value)
        return respond(self._view(identity, credentials="declassify", include=parsed))

    async def create_identity(self, body: Any = None) -> Response:
        draft = parse_create(
            json_decoder(body, plain=self.PLAIN_CREATE_ERRORS), self.CREATE_BODY, plain=self.PLAIN_CREATE_ERRORS
        )
        # v1.0 surfaces the raw unique violation; v1.1 words it (identity/handler.go create @v1.1.0)
        identity = self.store.create_identity(
            draft, conflict=unique_violation if self.PLAIN_CREATE_ERRORS else create_conflict
        )
        location = f"{self.ctx.admin_url}/identities/{identity.id}"
        return respond(self._view(identity, metadata_admin="if-set"), 201, {"Location": location})

    async def update_identity(self, id: str, body: Any = None) -> Response:
        draft = wire.parse_update_body(decoderx(body, UPDATE_IDENTITY))
        identity = self.store.update_identity(lenient_uuid(id), draft)
        return respond(self._view(identity, metadata_admin="if-set"))

    async def batch_patch_identities(self, body: Any = None) -> Response:
        """One transaction: any failure fails the request, and the results say only ``create``
        (identity/handler.go batchPatchIdentities, identity/manager.go CreateIdentities @v1.x)."""
        entries = batch_entries(body, batch_patch(self.CREATE_BODY))
        if len(entries) > BATCH_LIMIT:
            raise bad_request(
                f"The maximum number of identities that can be created or deleted at once is {BATCH_LIMIT}."
            )
        drafts: list[IdentityDraft | None] = [
            None if entry.get("create") is None else parse_create(entry["create"], self.CREATE_BODY, plain=True)
            for entry in entries
        ]
        created = self.store.batch_create(drafts)
        out: list[dict[str, Any] | None] = []
        for entry, result in zip(entries, created, strict=True):
            if not isinstance(result, Identity):
                out.append(None)
                continue
            item: dict[str, Any] = {"action": "create", "identity": result.id}
            if entry.get("patch_id") is not None:
                item["patch_id"] = entry["patch_id"]
            out.append(item)
        return respond({"identities": out})

    def _page(self, identities: list[Identity], *, credentials: bool) -> list[dict[str, Any]]:
        mode = "meta" if credentials else "hidden"
        return [self._view(i, credentials=mode) for i in identities]


def _has_identifier(identity: Identity, value: str, kinds: tuple[str, ...], verbatim: tuple[str, ...] = ()) -> bool:
    normalized = normalize_identifier(value)
    for kind, credential in identity.credentials.items():
        if (kind in kinds and normalized in credential.identifiers) or (
            kind in verbatim and value in credential.identifiers
        ):
            return True
    return False


class IdentityHandlersV1_0(V1IdentityHandlers):  # noqa: N801 - the release in the name
    ORGANIZATIONS = False
    PLAIN_CREATE_ERRORS = True
    CREATE_BODY = CREATE_V1_0

    async def list_identities(self) -> Response:  # type: ignore[override]
        """x.ParsePagination, ORDER BY id DESC, Paginate(page+1, per_page); a credentials
        identifier returns at most one identity (persister ListIdentities @v1.0.0)."""
        query = raw_query()
        page, per_page = parse_migration(query)
        identifier = first(query, "credentials_identifier") or ""
        if identifier:
            found = self.store.list_identities(credentials_identifier=identifier, page=0, page_size=2**31).items
            chosen = sorted(
                (i for i in found if _has_identifier(i, identifier, ("password", "webauthn"))),
                key=lambda i: i.id,
                reverse=True,
            )[:1]
            total = len(chosen)
        else:
            ordered = list(self.store.identities())[::-1]
            chosen = ordered[page * per_page : (page + 1) * per_page]
            total = len(ordered)
        link = link_header(f"{self.ctx.admin_url}/identities", [], total, page, per_page, migration_params)
        headers = {"X-Total-Count": str(total), "Link": link}
        return respond(self._page(chosen, credentials=bool(identifier)), 200, headers)


class IdentityHandlersV1_1(V1IdentityHandlers):  # noqa: N801 - the release in the name
    CREDENTIAL_TYPES = (*V1_0_TYPES, "code")

    async def list_identities(self) -> Response:  # type: ignore[override]
        """x.ParseKeysetOrPagePagination and persister ListIdentities @v1.1.0."""
        query = raw_query()
        identifier = first(query, "credentials_identifier") or ""
        similar = first(query, "preview_credentials_identifier_similar") or ""
        if identifier and similar:
            raise bad_request("Cannot pass both credentials_identifier and preview_credentials_identifier_similar.")
        ids = {lenient_uuid(v) for k, v in query if k == "ids" and v}
        filtered = bool(identifier or similar or ids)
        candidates = [i for i in self.store.identities() if _matches(i, identifier, similar, ids)] if filtered else []
        headers: dict[str, str] = {}
        if not (has(query, "page_token") or has(query, "page_size")) and has(query, "page"):
            page, per_page = parse_page(query, maximum=500)
            if page * per_page > PAGE_LIMIT:
                raise bad_request(
                    f"Legacy pagination is not supported for enumerating over {PAGE_LIMIT} items. "
                    "Please switch to using page_token and page_size."
                )
            if filtered:
                chosen = candidates[page * per_page : (page + 1) * per_page]
            else:
                chosen = self.store.list_identities(page=page, page_size=per_page).items
            total = len(chosen) if identifier else len(self.store)
            headers["X-Total-Count"] = str(total)
            headers["Link"] = link_header(request_path(), query, total, page, per_page, page_params)
        else:
            if not has(query, "page_size") and has(query, "per_page"):
                query = [("page_size" if k == "per_page" else k, v) for k, v in query]
            size, token = _keyset(query)
            if filtered:
                after = [i for i in candidates if i.id > token]
                chosen, more = after[:size], len(after) > size
            else:
                result = self.store.list_identities(page_size=size, page_token=token)
                chosen, more = result.items, result.has_next
            links = [keyset_link(request_path(), query, "first", NIL_UUID, size)]
            if more:
                links.append(keyset_link(request_path(), query, "next", chosen[-1].id, size))
            headers["Link"] = ",".join(links)
        return respond(self._page(chosen, credentials=bool(identifier or similar)), 200, headers)


def _keyset(query: list[tuple[str, str]]) -> tuple[int, str]:
    """keysetpagination.Parse @ory/x v0.0.614: the first non-empty values; size 0 is the default
    (250), no maximum; the token is the last id seen, not checked."""
    token = next((v for k, v in query if k == "page_token" and v), NIL_UUID)
    raw = next((v for k, v in query if k == "page_size" and v), None)
    size = parse_int(raw, 250)
    if size is None or size < 0:  # a negative size makes Kratos slice items[:size] and panic
        raise KratosError(400, atoi_error(raw or ""))
    return size or 250, token


def _matches(identity: Identity, identifier: str, similar: str, ids: set[str]) -> bool:
    if ids and identity.id not in ids:
        return False
    if identifier:
        return _has_identifier(identity, identifier, ("password", "webauthn", "code"), ("oidc",))
    if similar:  # LIKE %x% (the trigram operator on PostgreSQL is fuzzier)
        normalized = normalize_identifier(similar)
        return any(
            (kind in ("password", "webauthn", "code") and any(normalized in i for i in credential.identifiers))
            or (kind == "oidc" and any(similar in i for i in credential.identifiers))
            for kind, credential in identity.credentials.items()
        )
    return True
