"""Kratos v1.0.0 as tagged: the admin API under /admin, unprefixed admin paths redirected there
(x/http_redirect_admin.go), page-number pagination, no ``code`` credential, one-transaction
batches, second-factor-only credential deletion. Handlers in ``handlers/v1_*.py``."""

from __future__ import annotations

from ..handlers.metadata import MetadataHandlers
from ..handlers.v1_identities import IdentityHandlersV1_0
from ..handlers.v1_sessions import SchemaHandlersV1_0, SessionHandlersV1_0, V1RecoveryHandlers
from ..store.rules import StoreRules
from . import Generation

# ory/x's paginators never refuse a page parameter; expand, include_credential and the credential
# type of DELETE .../credentials/{type} carry enums Kratos does not apply (the handlers check them).
LENIENT = frozenset({"page", "per_page", "page_size", "page_token", "expand", "include_credential", "path:type"})
# identity/handler.go patch @v1.0.0: an exact deny list over a document without credentials
PATCH_DENIED = ("/id", "/stateChangedAt", "/credentials")

V1_0 = Generation(
    name="v1.0",
    upstream="v1.0.0",
    spec="kratos-v1.0.yaml",
    handler_groups=(
        IdentityHandlersV1_0,
        SessionHandlersV1_0,
        V1RecoveryHandlers,
        SchemaHandlersV1_0,
        MetadataHandlers,
    ),
    admin_paths=("/admin/",),
    redirect_admin=("/identities", "/sessions", "/recovery"),
    lenient_query=LENIENT,
    default_fixtures="default-v1.0.yaml",
    baseline="baseline-v1.0.json",
    rules=StoreRules(
        derived_credentials=("password", "webauthn"),  # schema/extension.go ExtensionConfig @v1.0.0
        batch_atomic=True,
        patch_denied=PATCH_DENIED,
        patch_credentials=False,
        fixed_first_factors=("oidc", "password"),
    ),
)
