"""Kratos v1.1.0 as tagged: v1.0 plus the ``code`` credential (an empty config at version 0),
keyset pagination of identities (``page`` still offset), v1.1's ``include_credential`` and batch
and 409 wording. Handlers in ``handlers/v1_*.py``."""

from __future__ import annotations

from ..handlers.metadata import MetadataHandlers
from ..handlers.v1_identities import IdentityHandlersV1_1
from ..handlers.v1_sessions import SessionHandlersV1_1, V1RecoveryHandlers, V1SchemaHandlers
from ..store.rules import StoreRules
from . import Generation
from .v1_0 import LENIENT, PATCH_DENIED

V1_1 = Generation(
    name="v1.1",
    upstream="v1.1.0",
    spec="kratos-v1.1.yaml",
    handler_groups=(IdentityHandlersV1_1, SessionHandlersV1_1, V1RecoveryHandlers, V1SchemaHandlers, MetadataHandlers),
    admin_paths=("/admin/",),
    redirect_admin=("/identities", "/sessions", "/recovery"),
    lenient_query=LENIENT | {"consistency"},
    default_fixtures="default-v1.1.yaml",
    baseline="baseline-v1.1.json",
    rules=StoreRules(
        derived_credentials=("password", "webauthn", "code"),  # identity/extension_credentials.go Run @v1.1.0
        code_addresses=False,
        batch_atomic=True,
        patch_denied=PATCH_DENIED,
        patch_credentials=False,
        fixed_first_factors=("oidc", "password", "code"),
    ),
)
