"""The current generation, Kratos v26.2.0 as tagged: the admin API under /admin."""

from __future__ import annotations

from ..handlers.courier import CourierHandlers
from ..handlers.frontend_sessions import FrontendSessionHandlers
from ..handlers.identities import IdentityHandlers
from ..handlers.login import LoginHandlers
from ..handlers.logout import LogoutHandlers
from ..handlers.metadata import MetadataHandlers
from ..handlers.recovery import RecoveryHandlers
from ..handlers.recovery_flows import RecoveryFlowHandlers
from ..handlers.registration import RegistrationHandlers
from ..handlers.schemas import SchemaHandlers
from ..handlers.sessions import SessionHandlers
from ..handlers.settings import SettingsHandlers
from ..handlers.verification import VerificationHandlers
from . import Generation

V26_2 = Generation(
    name="v26.2",
    upstream="v26.2.0",
    spec="kratos-v26.2.yaml",
    handler_groups=(
        IdentityHandlers,
        SessionHandlers,
        RecoveryHandlers,
        SchemaHandlers,
        MetadataHandlers,
        FrontendSessionHandlers,
        LoginHandlers,
        RegistrationHandlers,
        LogoutHandlers,
        CourierHandlers,
        SettingsHandlers,
        RecoveryFlowHandlers,
        VerificationHandlers,
    ),
    admin_paths=("/admin/",),
    # /sessions is the public API's (listMySessions...): admin and public share one port
    unprefixed_admin=("/identities", "/recovery"),
    baseline="baseline-v26.2.json",
    trailing_slash_404=True,
    # identity/handler.go deleteIdentityCredentials answers an unknown type with its 404 text
    # ... and courier/handler.go parseMessagesFilter its status (400 "Message status is not valid")
    lenient_query=frozenset({"path:type", "query:status"}),
    # identity/handler.go create and patch decode with json.NewDecoder, ignoring the Content-Type
    untyped_json=(("POST", r"/admin/identities"), ("PATCH", r"/admin/identities/[^/]+")),
    # session/handler.go RegisterPublicRoutes: whoami for GET, HEAD, POST, PUT, PATCH, CONNECT,
    # OPTIONS and TRACE (not DELETE: that is deleteMySession's /sessions/{id})
    any_method=(("/sessions/whoami", ("POST", "PUT", "PATCH", "CONNECT", "OPTIONS", "TRACE")),),
)
