"""Request bodies of the identity admin API as Kratos v1.0 and v1.1 decode them (``godecode``).

* ``POST /admin/identities`` and batch entries go through ``jsonx.NewStrictDecoder`` into the v1.x
  ``CreateIdentityBody`` (identity/handler.go): no ``external_id``, ``organization_id``, SAML,
  ``use_password_migration_hook``, ``use_auto_link`` or provider ``organization``; the OIDC config
  still declares a ``config`` (a password config) that is accepted and ignored.
* ``PUT`` uses decoderx into ``UpdateIdentityBody``, lenient: those fields are silently ignored.
* The recovery bodies have no ``flow_type`` (decoderx ignores it).
* Where a handler writes a decoder error with ``WriteErrorCode(w, r, 400, err)`` (v1.0 create,
  v1.0 and v1.1 batch), herodot's default enhancer renders the plain Go error: HTTP 400 whose body
  says ``"code":500,"status":"Internal Server Error"`` (``errors.PlainError``).
"""

from __future__ import annotations

from typing import Any

from .. import bodies, wire
from ..errors import DecoderError, PlainError
from ..godecode import UUID, Ptr, Slice, String, Struct, gofrs_v4_3
from ..models import IdentityDraft

STRING, BOOL, RAW, TIME = bodies.STRING, bodies.BOOL, bodies.RAW, bodies.TIME
UUID_V4_3 = UUID(gofrs_v4_3)  # go.mod @v1.0.0 and @v1.1.0: github.com/gofrs/uuid v4.3.1

PASSWORD_CONFIG = Struct(
    "identity.AdminIdentityImportCredentialsPasswordConfig", {"hashed_password": STRING, "password": STRING}
)
CREDENTIALS = Struct(
    "identity.IdentityWithCredentials",
    {
        "password": Ptr(Struct("identity.AdminIdentityImportCredentialsPassword", {"config": PASSWORD_CONFIG})),
        "oidc": Ptr(
            Struct(
                "identity.AdminIdentityImportCredentialsOIDC",
                {
                    "config": Struct(
                        "identity.AdminIdentityImportCredentialsOIDCConfig",
                        {
                            "config": PASSWORD_CONFIG,
                            "providers": Slice(
                                Struct(
                                    "identity.AdminCreateIdentityImportCredentialsOidcProvider",
                                    {"subject": STRING, "provider": STRING},
                                )
                            ),
                        },
                    )
                },
            )
        ),
    },
)


def _addresses(verifiable_via: String) -> dict[str, Any]:
    """identity/identity_verification.go, identity_recovery.go: the address structs of a release."""
    common = {"id": UUID_V4_3, "value": STRING, "created_at": TIME, "updated_at": TIME}
    return {
        "verifiable_addresses": Slice(
            Struct(
                "identity.VerifiableAddress",
                {
                    **common,
                    "verified": BOOL,
                    "via": verifiable_via,
                    "status": String("identity.VerifiableAddressStatus"),
                    "verified_at": Ptr(TIME),
                },
            )
        ),
        "recovery_addresses": Slice(
            Struct("identity.RecoveryAddress", {**common, "via": String("identity.RecoveryAddressType")})
        ),
    }


UPDATE_FIELDS = {
    "schema_id": STRING,
    "traits": RAW,
    "credentials": Ptr(CREDENTIALS),
    "metadata_public": RAW,
    "metadata_admin": RAW,
    "state": String("identity.State"),
}
UPDATE_IDENTITY = Struct("identity.UpdateIdentityBody", UPDATE_FIELDS)
# v1.0's VerifiableAddress.Via is an identity.VerifiableAddressType, v1.1's a string
CREATE_V1_0 = Struct(
    "identity.CreateIdentityBody", {**UPDATE_FIELDS, **_addresses(String("identity.VerifiableAddressType"))}
)
CREATE_V1_1 = Struct("identity.CreateIdentityBody", {**UPDATE_FIELDS, **_addresses(STRING)})


def batch_patch(create: Struct) -> Struct:
    """identity/identity.go BatchPatchIdentitiesBody @v1.x."""
    entry = Struct("identity.BatchIdentityPatch", {"create": Ptr(create), "patch_id": Ptr(UUID_V4_3)})
    return Struct("identity.BatchPatchIdentitiesBody", {"identities": Slice(Ptr(entry))})


RECOVERY_CODE = Struct("code.createRecoveryCodeForIdentityBody", {"identity_id": UUID_V4_3, "expires_in": STRING})
RECOVERY_LINK = Struct("link.createRecoveryLinkForIdentityBody", {"identity_id": UUID_V4_3, "expires_in": STRING})


def parse_create(body: Any, struct: Struct, *, plain: bool) -> IdentityDraft:
    """A v1.x create body: the strict v1 decode, then the shared reading (``wire.parse_create_body``).

    ``plain``: decoder errors render as ``PlainError`` (v1.0 create, both batches)."""
    try:
        decoded = wire.decode(body, struct, strict=True) or {}
    except DecoderError as error:
        if plain:
            raise PlainError(error.text) from None
        raise
    oidc = (decoded.get("credentials") or {}).get("oidc") or {}
    if isinstance(oidc.get("config"), dict):
        oidc["config"].pop("config", None)  # declared in v1.x, read by nobody
    return wire.parse_create_body(decoded)
