"""The store's rules that differ between Kratos generations; each ``Generation`` carries one."""

from __future__ import annotations

from dataclasses import dataclass

from ..patching import DENIED


@dataclass(frozen=True)
class StoreRules:
    """Defaults are the current generation's (v26.2)."""

    # Credential types whose identifiers the ory.sh/kratos schema extension derives from traits.
    derived_credentials: tuple[str, ...] = ("password", "webauthn", "code")
    # PATCH /admin/identities: False = per-item results (v26.2), True = one transaction (v1.x).
    batch_atomic: bool = False
    # JSON Patch paths Kratos refuses (identity/handler.go, patchIdentity).
    patch_denied: tuple[str, ...] = DENIED
