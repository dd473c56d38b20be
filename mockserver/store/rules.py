"""The store's rules that differ between Kratos generations; each ``Generation`` carries one."""

from __future__ import annotations

from dataclasses import dataclass

from ..patching import DENIED


@dataclass(frozen=True)
class StoreRules:
    """Defaults are the current generation's (v26.2)."""

    # Credential types whose identifiers the ory.sh/kratos schema extension derives from traits.
    derived_credentials: tuple[str, ...] = ("password", "webauthn", "code")
    # The derived code credential keeps {"addresses": [...]} at version 1 (v26.2); False: an empty
    # config at version 0 (identity/extension_credentials.go, Run @v1.1.0).
    code_addresses: bool = True
    # PATCH /admin/identities: False = per-item results (v26.2), True = one transaction (v1.x).
    batch_atomic: bool = False
    # JSON Patch paths Kratos refuses (identity/handler.go, patchIdentity).
    patch_denied: tuple[str, ...] = DENIED
    # The JSON Patch document holds the credentials (v26.2); False: it does not, and the stored
    # credentials are put back after patching (identity/handler.go, patch @v1.x).
    patch_credentials: bool = True
    # DELETE /admin/identities/{id}/credentials/{type}: None = v26.2's rules (a first factor may go
    # while another remains); a tuple = v1.x's first factors, never deleted
    # (identity/handler.go, deleteIdentityCredentials @v1.x).
    fixed_first_factors: tuple[str, ...] | None = None
