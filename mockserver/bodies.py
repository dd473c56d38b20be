"""The request-body structs of Kratos v26.2.0, as ``godecode`` types (field names from the
``json:"..."`` tags at the tag). Older generations describe theirs next to their handlers
(``handlers/v1_bodies.py``, ``generations/v0_6.py``)."""

from __future__ import annotations

from .godecode import UUID, Bool, NullUUID, Ptr, Raw, Slice, String, Struct, Time, gofrs_v4_4

STRING = String()
BOOL = Bool()
RAW = Raw()
TIME = Time()
UUID_V4_4 = UUID(gofrs_v4_4)  # go.mod @v26.2.0: github.com/gofrs/uuid v4.4.0
NULL_UUID_V4_4 = NullUUID(gofrs_v4_4)

# identity/identity_verification.go VerifiableAddress, identity/identity_recovery.go RecoveryAddress
VERIFIABLE_ADDRESS = Struct(
    "identity.VerifiableAddress",
    {
        "id": UUID_V4_4,
        "value": STRING,
        "verified": BOOL,
        "via": STRING,
        "status": String("identity.VerifiableAddressStatus"),
        "verified_at": Ptr(TIME),  # *sqlxx.NullTime unmarshals into a time.Time
        "created_at": TIME,
        "updated_at": TIME,
    },
)
RECOVERY_ADDRESS = Struct(
    "identity.RecoveryAddress",
    {"id": UUID_V4_4, "value": STRING, "via": STRING, "created_at": TIME, "updated_at": TIME},
)

# identity/handler.go IdentityWithCredentials and the AdminIdentityImportCredentials* structs
PASSWORD_CONFIG = Struct(
    "identity.AdminIdentityImportCredentialsPasswordConfig",
    {"hashed_password": STRING, "password": STRING, "use_password_migration_hook": BOOL},
)
OIDC_PROVIDER = Struct(
    "identity.AdminCreateIdentityImportCredentialsOIDCProvider",
    {"subject": STRING, "provider": STRING, "use_auto_link": BOOL, "organization": NULL_UUID_V4_4},
)
SAML_PROVIDER = Struct(
    "identity.AdminCreateIdentityImportCredentialsSAMLProvider",
    {"subject": STRING, "provider": STRING, "organization": NULL_UUID_V4_4},
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
                        "identity.AdminIdentityImportCredentialsOIDCConfig", {"providers": Slice(OIDC_PROVIDER)}
                    )
                },
            )
        ),
        "saml": Ptr(
            Struct(
                "identity.AdminIdentityImportCredentialsSAML",
                {
                    "config": Struct(
                        "identity.AdminIdentityImportCredentialsSAMLConfig", {"providers": Slice(SAML_PROVIDER)}
                    )
                },
            )
        ),
    },
)

# identity/handler.go create: jsonx.NewStrictDecoder(r.Body).Decode(&CreateIdentityBody)
CREATE_IDENTITY = Struct(
    "identity.CreateIdentityBody",
    {
        "schema_id": STRING,
        "traits": RAW,
        "credentials": Ptr(CREDENTIALS),
        "verifiable_addresses": Slice(VERIFIABLE_ADDRESS),
        "recovery_addresses": Slice(RECOVERY_ADDRESS),
        "metadata_public": RAW,
        "metadata_admin": RAW,
        "state": String("identity.State"),
        "organization_id": NULL_UUID_V4_4,
        "external_id": STRING,
    },
)
# identity/handler.go update: decoderx.Decode(r, &UpdateIdentityBody, decoderx.HTTPJSONDecoder())
UPDATE_IDENTITY = Struct(
    "identity.UpdateIdentityBody",
    {
        "schema_id": STRING,
        "traits": RAW,
        "credentials": Ptr(CREDENTIALS),
        "metadata_public": RAW,
        "metadata_admin": RAW,
        "state": String("identity.State"),
        "external_id": STRING,
    },
)
# identity/identity.go BatchPatchIdentitiesBody, BatchIdentityPatch (batchPatchIdentities: strict)
BATCH_PATCH = Struct(
    "identity.BatchPatchIdentitiesBody",
    {
        "identities": Slice(
            Ptr(Struct("identity.BatchIdentityPatch", {"create": Ptr(CREATE_IDENTITY), "patch_id": Ptr(UUID_V4_4)}))
        )
    },
)
# selfservice/strategy/code/strategy_recovery_admin.go, selfservice/strategy/link/strategy_recovery.go
RECOVERY_CODE = Struct(
    "code.createRecoveryCodeForIdentityBody",
    {"identity_id": UUID_V4_4, "expires_in": STRING, "flow_type": Ptr(String("flow.Type"))},
)
RECOVERY_LINK = Struct("link.createRecoveryLinkForIdentityBody", {"identity_id": UUID_V4_4, "expires_in": STRING})
