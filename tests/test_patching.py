"""JSON Patch with Kratos' rules (identity/handler.go patchIdentity, oryx/jsonx ApplyJSONPatch)."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.errors import KratosError
from mockserver.patching import apply

DOC: dict[str, Any] = {"id": "x", "traits": {"email": "a@example.com"}, "credentials": {}, "metadata_public": None}


def test_replace_of_a_missing_key_is_an_add() -> None:
    assert apply(DOC, [{"op": "replace", "path": "/traits/name", "value": "Ada"}])["traits"]["name"] == "Ada"


def test_add_creates_missing_parents() -> None:
    patched = apply(DOC, [{"op": "add", "path": "/metadata_public/a/b", "value": 1}])
    assert patched["metadata_public"] == {"a": {"b": 1}}


def test_the_document_given_is_not_changed() -> None:
    apply(DOC, [{"op": "replace", "path": "/traits/email", "value": "b@example.com"}])
    assert DOC["traits"]["email"] == "a@example.com"


@pytest.mark.parametrize(
    ("ops", "text"),
    [
        ([{"op": "move", "from": "/a", "path": "/b"}], "unsupported operation: move"),
        ([{"op": "replace", "path": "/ID", "value": "y"}], "denied path: /ID"),  # lower-cased before matching
        ([{"op": "add", "path": "/credentials/oidc/config", "value": {}}], "denied path"),
        ([{"op": "add", "path": "/traits/x"}], "missing value"),
        ({"op": "add"}, "cannot unmarshal object"),
        ([{"op": "remove", "path": "/nope"}], ""),
    ],
)
def test_refused_patches_are_400(ops: Any, text: str) -> None:
    with pytest.raises(KratosError) as caught:
        apply(DOC, ops)
    assert caught.value.code == 400 and text in caught.value.message


def test_the_whole_oidc_credential_may_be_replaced_at_v26_2() -> None:
    patched = apply(DOC, [{"op": "add", "path": "/credentials/oidc", "value": {"type": "oidc"}}])
    assert patched["credentials"]["oidc"] == {"type": "oidc"}
