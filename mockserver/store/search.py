"""Finding identities: by credential identifier, by identifier prefix, and keyset pages."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from ..identity_schemas import normalize_identifier
from ..models import Identity
from .tables import IdentityTable

# Credential types whose identifiers Kratos stores normalised, and those it stores verbatim.
SEARCHABLE_NORMALIZED = ("password", "webauthn", "code")
SEARCHABLE_VERBATIM = ("oidc", "saml")


def by_identifier(table: IdentityTable, value: str) -> set[str]:
    """``credentials_identifier``: an exact match on any searchable credential."""
    found = set()
    normalized = normalize_identifier(value)
    for kind in SEARCHABLE_NORMALIZED:
        owner = table.owner(("credential", kind, normalized))
        if owner:
            found.add(owner)
    for kind in SEARCHABLE_VERBATIM:
        owner = table.owner(("credential", kind, value))
        if owner:
            found.add(owner)
    return found


def by_identifier_prefix(table: IdentityTable, prefix: str) -> set[str]:
    """``preview_credentials_identifier_similar``: a prefix match."""
    normalized = normalize_identifier(prefix) if prefix.strip() else prefix
    return {
        owner
        for (section, kind, value), owner in table.unique.items()
        if section == "credential"
        and (
            (kind in SEARCHABLE_NORMALIZED and value.startswith(normalized))
            or (kind in SEARCHABLE_VERBATIM and value.startswith(prefix))
        )
    }


def keyset_page(table: IdentityTable, candidates: Sequence[str], after: str, size: int) -> tuple[list[Identity], bool]:
    """The ``size`` identities after id ``after`` among the sorted ``candidates``, and whether more follow."""
    start = bisect.bisect_right(candidates, after)
    chosen = candidates[start : start + size + 1]
    return [table.rows[i] for i in chosen[:size]], len(chosen) > size
