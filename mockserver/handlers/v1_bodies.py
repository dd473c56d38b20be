"""Request bodies of the identity admin API as Kratos v1.0 and v1.1 decode them.

* ``POST /admin/identities`` and batch entries go through ``jsonx.NewStrictDecoder`` into the v1.x
  ``CreateIdentityBody`` (identity/handler.go): no ``external_id``, ``organization_id``, SAML,
  ``use_password_migration_hook``, ``use_auto_link`` or provider ``organization``; the OIDC config
  still declares a ``config`` (a password config) that is accepted and ignored.
* ``PUT`` uses decoderx, lenient: those fields are silently ignored.
* Where a handler writes a decoder error with ``WriteErrorCode(w, r, 400, err)`` (v1.0 create,
  v1.0 and v1.1 batch), herodot's default enhancer renders the plain Go error: HTTP 400 whose body
  says ``"code":500,"status":"Internal Server Error"`` (herodot json.go ``WriteErrorCode``,
  error_default.go ``ToDefaultError``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .. import wire
from ..errors import KratosError, bad_request
from ..models import IdentityDraft

PASSWORD_CONFIG = {"hashed_password": None, "password": None}
ADDRESS = ("id", "value", "via", "created_at", "updated_at")
SHAPE: dict[str, Any] = {  # the v1.x CreateIdentityBody: field → nested shape (None: a leaf)
    "schema_id": None,
    "traits": None,
    "state": None,
    "metadata_public": None,
    "metadata_admin": None,
    "credentials": {
        "password": {"config": PASSWORD_CONFIG},
        "oidc": {"config": {"config": PASSWORD_CONFIG, "providers": [{"subject": None, "provider": None}]}},
    },
    "verifiable_addresses": [dict.fromkeys((*ADDRESS, "verified", "status", "verified_at"))],
    "recovery_addresses": [dict.fromkeys(ADDRESS)],
}


class PlainDecodeError(KratosError):
    """A decoder error written with ``WriteErrorCode(400, err)``: HTTP 400, body code 500."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message=message)

    def inner(self) -> dict[str, Any]:
        return {"code": 500, "status": "Internal Server Error", "message": self.message}


def is_decoder_error(error: KratosError) -> bool:
    """The Go JSON decoder's errors (``wire`` words them so), as opposed to Kratos' own 400s."""
    return error.code == 400 and error.reason is None and error.message.startswith(("json: ", "parsing time "))


def check_strict(value: Any, shape: Any, *, plain: bool) -> None:
    """``jsonx.NewStrictDecoder``: an unknown field anywhere is ``json: unknown field "x"``."""
    if isinstance(shape, dict) and isinstance(value, dict):
        for key, item in value.items():
            if key not in shape:
                message = f'json: unknown field "{key}"'
                raise PlainDecodeError(message) if plain else bad_request(message=message)
            if shape[key] is not None:
                check_strict(item, shape[key], plain=plain)
    elif isinstance(shape, list) and isinstance(value, list):
        for item in value:
            check_strict(item, shape[0], plain=plain)


def parse_create(body: Any, *, plain: bool) -> IdentityDraft:
    """A v1.x create body: strict v1 fields, then the shared reading (``wire.parse_create_body``).

    ``plain``: decoder errors render as ``PlainDecodeError`` (v1.0 create, both batches)."""
    check_strict(body, SHAPE, plain=plain)
    body = _drop_oidc_config(body)
    try:
        return wire.parse_create_body(body)
    except KratosError as error:
        if plain and is_decoder_error(error):
            raise PlainDecodeError(error.message) from None
        raise


def _drop_oidc_config(body: Any) -> Any:
    """``credentials.oidc.config.config`` is declared in v1.x, read by nobody."""
    config = wire_dig(body, "credentials", "oidc", "config")
    if not isinstance(config, Mapping) or "config" not in config:
        return body
    body = copy.deepcopy(body)
    del body["credentials"]["oidc"]["config"]["config"]
    return body


def lenient_update(body: Any) -> Any:
    """A v1.x PUT body: fields v1.x does not know are ignored, not stored (decoderx is lenient)."""
    if not isinstance(body, dict):
        return body
    out = {k: v for k, v in body.items() if k not in ("external_id", "organization_id")}
    credentials = out.get("credentials")
    if isinstance(credentials, dict):
        kept = {k: v for k, v in credentials.items() if k in ("password", "oidc")}
        kept = copy.deepcopy(kept)
        config = wire_dig(kept, "password", "config")
        if isinstance(config, dict):
            config.pop("use_password_migration_hook", None)
        for provider in wire_dig(kept, "oidc", "config", "providers") or []:
            if isinstance(provider, dict):
                provider.pop("use_auto_link", None)
                provider.pop("organization", None)
        out["credentials"] = kept
    return out


def wire_dig(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node
