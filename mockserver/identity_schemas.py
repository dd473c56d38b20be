"""Identity schemas: trait validation with ``jsonschema`` and the ``ory.sh/kratos`` extension.

Kratos derives credential identifiers and verifiable/recovery addresses from traits marked with
the extension (identity/extension_*.go). ``derive`` walks the schema and the traits together and returns
those derived values, normalised as Kratos does (trim, NFKC, lower case; phones to E.164).

Formats are checked as Kratos' ory/jsonschema/v3 checks them (formats.go ``Formats``): ``email`` and
``hostname`` are ports of its ``isEmail`` and ``isHostname`` (``isEmail`` ends in Go's
``net/mail.ParseAddress``), formats it does not register are not checked, and a failed format reads
``"value" is not valid "email"`` (schema.go, Go's ``%q``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import FormatChecker, SchemaError, ValidationError
from jsonschema.validators import extend, validator_for

from . import godecode
from .errors import KratosError, bad_request
from .spec import bundled

EXTENSION = "ory.sh/kratos"
_PHONE_CHARS = re.compile(r"^\+[\d\s\-().]{6,}$")


def default_schemas() -> dict[str, Any]:
    """The bundled ``default`` identity schema: email (password + code identifier) and a name."""
    text = bundled("fixtures", "schemas/default.schema.json").read_text(encoding="utf-8")
    return {"default": json.loads(text)}


def encode_schema_id(schema_id: str) -> str:
    """base64url without padding: the form used in ``schema_url``."""
    return base64.urlsafe_b64encode(schema_id.encode()).rstrip(b"=").decode()


def _decode_schema_id(value: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def normalize_identifier(value: str) -> str:
    """Kratos' graceful normalisation: phones to E.164, everything else trimmed, NFKC, lower."""
    value = unicodedata.normalize("NFKC", value).strip()
    phone = normalize_phone(value)
    return phone if phone is not None else value.lower()


def normalize_phone(value: str) -> str | None:
    """E.164 for values that look like international numbers (no carrier database: see README)."""
    if not _PHONE_CHARS.match(value):
        return None
    digits = re.sub(r"\D", "", value)
    return f"+{digits}" if 7 <= len(digits) <= 15 else None


# --- formats, as ory/jsonschema/v3 (the version Kratos v26.2.0 pins) checks them -------------------

# RFC 5322 atext as net/mail isAtext has it: printable ASCII but the specials ()<>[]:;@\\,", or any
# multi-byte rune (RFC 6532); a dot-atom is atext runs joined by single dots (consumeAtom, not permissive).
# Written as negated ASCII classes: "any rune from U+0080" spelled as a range costs 20 ms to compile.
_ATEXT = r'[^\x00-\x20"(),.:;<>@\[\\\]\x7f]'
_DOT_ATOM = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
# consumeQuotedString: qtext or WSP, or a backslash before VCHAR or WSP; addr-spec refuses "".
_QUOTED = re.compile(r'"(?:[^\x00-\x08\x0a-\x1f"\\\x7f]|\\[^\x00-\x08\x0a-\x1f\x7f])+"')
# isHostname: labels of 1-63 letters, digits and hyphens that do not end in one; only the whole
# name may not start with one (Go checks s[0] for every label); one trailing dot is dropped.
_HOSTNAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(?:\.[A-Za-z0-9-]{1,63}(?<!-))*\.?")


def _go_len(value: str) -> int:
    """``len`` of a Go string: UTF-8 bytes (a lone surrogate stands for the U+FFFD Go would hold)."""
    return len(value.encode("utf-8", "surrogatepass"))


def is_hostname(value: Any) -> bool:
    """ory/jsonschema formats.go ``isHostname`` (RFC 1034/1123), quirks included: one trailing dot
    is dropped, and only the *first* label may not start with a hyphen."""
    return isinstance(value, str) and len(value.removesuffix(".")) <= 253 and _HOSTNAME.fullmatch(value) is not None


def is_email(value: Any) -> bool:
    """ory/jsonschema formats.go ``isEmail``: at most 254 bytes; the part before the *last* ``@`` at
    most 64 bytes; the part after it ``isHostname``; and Go's ``net/mail.ParseAddress`` succeeds.

    For a string whose domain passed ``isHostname``, ``ParseAddress`` succeeds exactly when the local
    part is optional spaces/tabs (``skipSpace``) then a dot-atom or a non-empty quoted-string, and the
    domain, a dot-atom, has no trailing dot. Display names, angle addresses, comments and groups all
    end in a character a hostname cannot end in, so they never pass. The parsed address is not
    compared with the input: ``" a@example.com"`` is valid, as in Kratos.
    """
    if not isinstance(value, str) or _go_len(value) > 254:
        return False
    at = value.rfind("@")
    if at == -1:
        return False
    local, domain = value[:at], value[at + 1 :]
    if _go_len(local) > 64 or not is_hostname(domain):
        return False
    local = local.lstrip(" \t")
    return (_DOT_ATOM.fullmatch(local) or _QUOTED.fullmatch(local)) is not None and not domain.endswith(".")


def _always(_value: Any) -> bool:
    return True


# The names ory/jsonschema registers (formats.go ``Formats``, plus Kratos' ``no-validate`` from
# identity/extension_verification.go); a format it does not know (uuid, idn-email, ...) is not checked.
_GO_FORMATS = (
    "date-time", "date", "time", "hostname", "email", "tel", "ip-address", "ipv4", "ipv6", "uri", "iri",
    "uri-reference", "uriref", "iri-reference", "uri-template", "regex", "json-pointer",
    "relative-json-pointer", "no-validate",
)  # fmt: skip


def format_checker() -> FormatChecker:
    """jsonschema's checkers for the formats Kratos checks, with Go ports for email and hostname."""
    checker = FormatChecker(formats=[name for name in _GO_FORMATS if name in FormatChecker.checkers])
    checker.checks("email")(is_email)
    checker.checks("hostname")(is_hostname)
    checker.checks("no-validate")(_always)
    return checker


def go_quote(value: Any) -> str:
    """Go's ``%q`` of a string (``godecode.go_quote``, strconv.Quote); other JSON values as JSON."""
    return godecode.go_quote(value) if isinstance(value, str) else json.dumps(value)


_FORMATS = format_checker()


def _format_keyword(validator: Any, fmt: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """The ``format`` keyword with ory/jsonschema's message (schema.go: ``%q is not valid %q``)."""
    if validator.format_checker is not None and not validator.format_checker.conforms(instance, fmt):
        yield ValidationError(f"{go_quote(instance)} is not valid {go_quote(fmt)}")


@dataclass
class Derived:
    """What the extension derives from one identity's traits."""

    identifiers: dict[str, list[str]] = field(default_factory=dict)  # password/webauthn/code
    code_addresses: list[tuple[str, str]] = field(default_factory=list)  # (channel, address)
    verifiable: list[tuple[str, str]] = field(default_factory=list)  # (via, value)
    recovery: list[tuple[str, str]] = field(default_factory=list)  # (via, value)

    def add_identifier(self, credential_type: str, value: str) -> None:
        values = self.identifiers.setdefault(credential_type, [])
        if value not in values:
            values.append(value)


class IdentitySchema:
    """One identity schema: its raw document, a compiled validator and the extension walker."""

    def __init__(self, schema_id: str, document: Mapping[str, Any]) -> None:
        if not isinstance(document, Mapping):
            raise ValueError(f"identity schema {schema_id!r} must be a JSON object")
        cls = validator_for(document)
        try:
            cls.check_schema(document)
        except SchemaError as exc:
            raise ValueError(f"identity schema {schema_id!r} is not a valid JSON Schema: {exc.message}") from exc
        _check_schema_shape(schema_id, document)
        self.id = schema_id
        self.document: dict[str, Any] = dict(document)
        self._validator = extend(cls, {"format": _format_keyword})(self.document, format_checker=_FORMATS)

    def validate(self, traits: Any) -> Derived:
        """Validate ``{"traits": traits}`` and derive identifiers and addresses, or raise 400."""
        instance = {"traits": traits}
        errors = sorted(self._validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
        if errors:
            raise bad_request(_validation_reason(_leaves(errors)))
        derived = Derived()
        traits_schema = self._resolve(self.document.get("properties", {}).get("traits", {}))
        for pointer, value, node in self._marked(traits_schema, traits, "#/traits"):
            _apply_extension(derived, pointer, value, node)
        return derived

    def _resolve(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 32:
            ref = node["$ref"]
            if not ref.startswith("#"):
                return node
            target: Any = self.document
            for part in filter(None, ref[1:].split("/")):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, Mapping) else None
            node, seen = target, seen + 1
        return node

    def _marked(self, node: Any, instance: Any, pointer: str) -> Iterator[tuple[str, Any, Mapping[str, Any]]]:
        node = self._resolve(node)
        if not isinstance(node, Mapping):
            return
        if isinstance(node.get(EXTENSION), Mapping) and isinstance(instance, str):
            yield pointer, instance, node
        if isinstance(instance, Mapping):
            for name, sub in (node.get("properties") or {}).items():
                if name in instance:
                    yield from self._marked(sub, instance[name], f"{pointer}/{name}")
        elif isinstance(instance, list) and isinstance(node.get("items"), Mapping):
            for index, item in enumerate(instance):
                yield from self._marked(node["items"], item, f"{pointer}/{index}")


def _check_schema_shape(schema_id: str, node: Any, path: str = "#") -> None:
    """Refuse at load what would break every create later: remote $refs, malformed extensions."""
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if ref is not None and (not isinstance(ref, str) or not ref.startswith("#")):
            raise ValueError(f"identity schema {schema_id!r}: {path}/$ref: only local references are supported")
        ext = node.get(EXTENSION)
        if ext is not None:
            where = f"identity schema {schema_id!r}: {path}/{EXTENSION}"
            if not isinstance(ext, Mapping):
                raise ValueError(f"{where} must be an object")
            credentials = ext.get("credentials", {})
            if not isinstance(credentials, Mapping) or not all(isinstance(v, Mapping) for v in credentials.values()):
                raise ValueError(f"{where}.credentials must map credential types to objects")
            for kind in ("verification", "recovery"):
                if not isinstance(ext.get(kind, {}), Mapping):
                    raise ValueError(f"{where}.{kind} must be an object")
        for key, value in node.items():
            _check_schema_shape(schema_id, value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _check_schema_shape(schema_id, value, f"{path}/{index}")


def _leaves(errors: Iterable[Any]) -> list[Any]:
    out = []
    for error in errors:
        out.extend(_leaves(error.context) if error.context else [error])
    return out


def _pointer(parts: Iterable[Any]) -> str:
    return "#" + "".join(f"/{p}" for p in parts)


def _validation_reason(errors: list[Any]) -> str:
    lines = ["I[#] S[] validation failed"]
    for e in errors:
        lines.append(f"  I[{_pointer(e.absolute_path)}] S[{_pointer(e.absolute_schema_path)}] {e.message}")
    return "\n".join(lines)


def _apply_extension(derived: Derived, pointer: str, value: str, node: Mapping[str, Any]) -> None:
    ext = node[EXTENSION]
    credentials = ext.get("credentials") or {}
    for credential_type in ("password", "webauthn", "passkey"):
        if (credentials.get(credential_type) or {}).get("identifier") is True:
            derived.add_identifier(credential_type, normalize_identifier(value))
    code = credentials.get("code") or {}
    if code.get("identifier") is True:
        via = code.get("via") or "email"
        # extension_credentials.go: x.NormalizeIdentifier(value, "email") normalises and never refuses
        address = _address(pointer, value, via, check_email=False)
        derived.add_identifier("code", address)
        if (via, address) not in derived.code_addresses:
            derived.code_addresses.append((via, address))
    fmt = node.get("format") or ""
    for kind, bucket in (("verification", derived.verifiable), ("recovery", derived.recovery)):
        via = (ext.get(kind) or {}).get("via")
        if via in ("email", "sms"):
            # extension_verification.go checks isEmail only when the trait has no format of its own (the
            # format keyword has checked it otherwise); extension_recovery.go always checks it.
            entry = (via, _address(pointer, value, via, check_email=kind == "recovery" or not fmt))
            if entry not in bucket:
                bucket.append(entry)


def _address(pointer: str, value: str, via: str, *, check_email: bool) -> str:
    """An address for ``via``; a value that is not one is a 400, as in Kratos' extensions."""
    if via == "sms":
        phone = normalize_phone(unicodedata.normalize("NFKC", value).strip())
        if phone is None:
            raise bad_request(_validation_reason_text(pointer, f'{go_quote(value)} is not valid "tel"'))
        return phone
    if check_email and not is_email(value):
        raise bad_request(_validation_reason_text(pointer, f'{go_quote(value)} is not valid "email"'))
    return unicodedata.normalize("NFKC", value).strip().lower()  # never E.164: the channel is email


def _validation_reason_text(pointer: str, text: str) -> str:
    return f"I[#] S[] validation failed\n  I[{pointer}] S[] {text}"


class SchemaRegistry:
    """The configured identity schemas, in configuration order, plus the default schema id."""

    def __init__(self, schemas: Mapping[str, Mapping[str, Any]], default_id: str | None = None) -> None:
        if not schemas:
            raise ValueError("at least one identity schema is required")
        self._schemas = {sid: IdentitySchema(sid, doc) for sid, doc in schemas.items()}
        self.default_id = default_id or next(iter(self._schemas))
        if self.default_id not in self._schemas:
            raise ValueError(f"default identity schema {self.default_id!r} is not configured")

    def __iter__(self) -> Iterator[IdentitySchema]:
        return iter(self._schemas.values())

    def __len__(self) -> int:
        return len(self._schemas)

    def get(self, schema_id: str) -> IdentitySchema | None:
        return self._schemas.get(schema_id)

    def put(self, schema_id: str, schema: IdentitySchema | None) -> None:
        """Add, replace or (``None``) remove a schema; the store journals these calls."""
        if schema is None:
            self._schemas.pop(schema_id, None)
        else:
            self._schemas[schema_id] = schema

    def for_identity(self, schema_id: str) -> IdentitySchema:
        """The schema for a create/update (empty id = default); unknown ids are a 400 as in Kratos."""
        schema = self._schemas.get(schema_id or self.default_id)
        if schema is None:
            raise bad_request(f"Unable to find JSON Schema ID: {schema_id}")
        return schema

    def lookup(self, raw_or_encoded: str) -> IdentitySchema:
        """GET /schemas/{id}: the plain id or its base64url form; unknown is a 404."""
        schema = self._schemas.get(raw_or_encoded)
        if schema is None:
            decoded = _decode_schema_id(raw_or_encoded)
            schema = self._schemas.get(decoded) if decoded is not None else None
        if schema is None:
            raise KratosError(404, f"Identity schema `{raw_or_encoded}` could not be found.")
        return schema
