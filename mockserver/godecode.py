"""Go's ``encoding/json`` as Kratos' handlers use it: the one validator of Kratos request bodies.

Kratos checks no request body against a JSON schema. A handler decodes the body into a Go struct
(``json.NewDecoder(r.Body).Decode(&body)``; ``jsonx.NewStrictDecoder`` adds
``DisallowUnknownFields``; ``oryx/decoderx`` wraps the same decoder) and then checks what it needs.
The types here describe those structs (``mockserver.bodies`` and the generations hold the structs
of each Kratos release), and ``decode`` reads a parsed JSON body the way Go's decoder does
(``encoding/json/decode.go``):

* a value of the wrong JSON kind is an ``UnmarshalTypeError``: ``json: cannot unmarshal number
  into Go struct field CreateIdentityBody.schema_id of type string``, named by the innermost
  struct and the field path from the root (array indexes left out); at the top level ``... into Go
  value of type identity.CreateIdentityBody``. Decoding goes on; the first error is reported;
* an unknown field is ``json: unknown field "x"`` when strict (also saved, first error wins) and
  dropped otherwise; names match case-insensitively, as Go's do;
* ``null`` leaves a field at its zero value (``None`` here);
* a value a type's own ``UnmarshalText``/``UnmarshalJSON`` refuses (a malformed UUID, a time that is
  no string) stops decoding at once, and that error wins over an earlier saved one.

``decode`` returns the body as the struct holds it: known fields only, under their canonical names,
UUIDs in canonical form. It raises ``GoDecodeError`` with the decoder's text; each handler renders
that text as Kratos does (``wire.DecoderError`` and ``handlers.common``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .values import parse_time


class GoDecodeError(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass
class _State:
    strict: bool
    struct: str = ""  # the innermost struct's name (reflect.Type.Name)
    path: list[str] = field(default_factory=list)
    saved: str | None = None

    def save(self, text: str) -> None:
        if self.saved is None:
            self.saved = text

    def mismatch(self, value: Any, go_type: str) -> None:
        where = f"struct field {self.struct}.{'.'.join(self.path)}" if self.struct else "value"
        self.save(f"json: cannot unmarshal {json_kind(value)} into Go {where} of type {go_type}")


def json_kind(value: Any) -> str:
    """The JSON kind as Go's decoder names it in an ``UnmarshalTypeError``."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str | datetime):
        return "string"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    return "object"


class GoType:
    go: str  # reflect.Type.String(): what an UnmarshalTypeError calls the type

    def read(self, value: Any, state: _State) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class String(GoType):
    """``string`` or a named string type (``identity.State``, ``flow.Type``)."""

    go: str = "string"

    def read(self, value: Any, state: _State) -> Any:
        if value is None or isinstance(value, str):
            return value
        state.mismatch(value, self.go)
        return None


@dataclass(frozen=True)
class Bool(GoType):
    go: str = "bool"

    def read(self, value: Any, state: _State) -> Any:
        if value is None or isinstance(value, bool):
            return value
        state.mismatch(value, self.go)
        return None


@dataclass(frozen=True)
class Raw(GoType):
    """``json.RawMessage``: any JSON value, kept as sent."""

    go: str = "json.RawMessage"

    def read(self, value: Any, state: _State) -> Any:
        return value


@dataclass(frozen=True)
class UUID(GoType):
    """``uuid.UUID`` (gofrs; an ``encoding.TextUnmarshaler``): strings only, parsed by ``parse``."""

    parse: Callable[[str], str]
    go: str = "uuid.UUID"

    def read(self, value: Any, state: _State) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            state.mismatch(value, self.go)
            return None
        return self.parse(value)


@dataclass(frozen=True)
class NullUUID(GoType):
    """``uuid.NullUUID`` (gofrs ``UnmarshalJSON``): ``null``, or the text inside the quotes (any
    other JSON value as written) given to ``UUID.UnmarshalText``."""

    parse: Callable[[str], str]
    go: str = "uuid.NullUUID"

    def read(self, value: Any, state: _State) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            return self.parse(value)
        return self.parse(json.dumps(value, separators=(",", ":")))


@dataclass(frozen=True)
class Time(GoType):
    """``time.Time`` (and ``sqlxx.NullTime``, which unmarshals into one): ``Time.UnmarshalJSON``."""

    go: str = "time.Time"

    def read(self, value: Any, state: _State) -> Any:
        if value is None or isinstance(value, datetime):  # YAML fixtures carry datetimes
            return value
        if not isinstance(value, str):
            raise GoDecodeError("Time.UnmarshalJSON: input is not a JSON string")
        if parse_time(value) is None:
            raise GoDecodeError(f'parsing time "{value}" as RFC 3339 failed')
        return value


@dataclass(frozen=True)
class Ptr(GoType):
    """``*T``: ``null`` is nil; anything else is decoded into a new ``T`` (errors name ``T``)."""

    elem: GoType

    @property
    def go(self) -> str:  # type: ignore[override]
        return "*" + self.elem.go

    def read(self, value: Any, state: _State) -> Any:
        return None if value is None else self.elem.read(value, state)


@dataclass(frozen=True)
class Slice(GoType):
    elem: GoType

    @property
    def go(self) -> str:  # type: ignore[override]
        return "[]" + self.elem.go

    def read(self, value: Any, state: _State) -> Any:
        if value is None:
            return None
        if not isinstance(value, list):
            state.mismatch(value, self.go)
            return None
        return [self.elem.read(item, state) for item in value]


@dataclass(frozen=True)
class Struct(GoType):
    """A Go struct: ``go`` is its qualified name (``identity.CreateIdentityBody``), ``fields`` its
    JSON field names (the ``json:"..."`` tags) and their types."""

    go: str
    fields: Mapping[str, GoType]

    @property
    def name(self) -> str:
        return self.go.rpartition(".")[2]

    def field_name(self, key: str) -> str | None:
        """Go's ``encoding/json`` matches the exact name first, then case-insensitively."""
        if key in self.fields:
            return key
        folded = key.lower()
        return next((name for name in self.fields if name.lower() == folded), None)

    def read(self, value: Any, state: _State) -> Any:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            state.mismatch(value, self.go)
            return None
        out: dict[str, Any] = {}
        outer = state.struct
        for key, item in value.items():
            name = self.field_name(key)
            if name is None:
                if state.strict:
                    state.save(f"json: unknown field {go_quote(key)}")
                continue
            state.path.append(name)
            state.struct = self.name
            try:
                out[name] = self.fields[name].read(item, state)
            finally:
                state.path.pop()
                state.struct = outer
        return out


def decode(value: Any, struct: GoType, *, strict: bool) -> Any:
    """``value`` (parsed JSON) as Go's decoder reads it into ``struct``; ``GoDecodeError`` if it cannot."""
    state = _State(strict=strict)
    out = struct.read(value, state)
    if state.saved is not None:
        raise GoDecodeError(state.saved)
    return out


# --- gofrs/uuid UnmarshalText, as each Kratos release vendors it ---------------------------------


def _go_bytes(text: str) -> bytes:
    """What Go holds for a decoded JSON string: UTF-8, lone surrogates replaced by U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode()


def go_quote(text: str | bytes) -> str:
    """``strconv.Quote`` (Go's ``%q``)."""
    data = text if isinstance(text, bytes) else _go_bytes(text)
    out = ['"']
    for char in data.decode("utf-8", "surrogateescape"):
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8
            out.append(f"\\x{code - 0xDC00:02x}")
        elif char in '"\\':
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out) + '"'


_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}
_HEX = frozenset(b"0123456789abcdefABCDEF")


def _hex_error(data: bytes) -> str | None:
    """``encoding/hex.Decode``'s error for the first byte that is no hex digit (``%#U``)."""
    for byte in data:
        if byte not in _HEX:
            char = chr(byte)
            return f"encoding/hex: invalid byte: U+{byte:04X}" + (f" '{char}'" if char.isprintable() else "")
    return None


def _canonical(digits: bytes) -> str:
    return str(uuid.UUID(hex=digits.decode()))


def gofrs_v4_4(text: str) -> str:
    """gofrs/uuid v4.4.0 ``UnmarshalText`` (Kratos v26.2)."""
    b = _go_bytes(text)
    if len(b) in (34, 38):
        if b[:1] != b"{" or b[-1:] != b"}":
            raise GoDecodeError(f"uuid: incorrect UUID format in string {go_quote(b)}")
        b = b[1:-1]
    elif len(b) in (41, 45):
        if b[:9] != b"urn:uuid:":
            raise GoDecodeError(f"uuid: incorrect UUID format in string {go_quote(b[:9])}")
        b = b[9:]
    elif len(b) not in (32, 36):
        raise GoDecodeError(f"uuid: incorrect UUID length {len(b)} in string {go_quote(b)}")
    if len(b) == 36:
        if b[8:9] + b[13:14] + b[18:19] + b[23:24] != b"----":
            raise GoDecodeError(f"uuid: incorrect UUID format in string {go_quote(b)}")
        b = b[:8] + b[9:13] + b[14:18] + b[19:23] + b[24:]
    if _hex_error(b) is not None:
        raise GoDecodeError("uuid: invalid UUID format")
    return _canonical(b)


def _gofrs_old(text: str, *, v3: bool) -> str:
    """gofrs/uuid v4.3.1 (Kratos v1.x) and v3.2.0 (v0.6): the same parser, other wording."""
    b = _go_bytes(text)

    def length() -> GoDecodeError:
        shown = b.decode("utf-8", "replace")
        return GoDecodeError(
            f"uuid: incorrect UUID length: {shown}"
            if v3
            else f"uuid: incorrect UUID length {len(b)} in string {go_quote(b)}"
        )

    def bad_format(colon: bool = False) -> GoDecodeError:
        shown = b.decode("utf-8", "replace")
        return GoDecodeError(
            f"uuid: incorrect UUID format{':' if colon else ''} {shown}"
            if v3
            else f"uuid: incorrect UUID format in string {go_quote(b)}"
        )

    if len(b) in (34, 38, 41, 45):
        braced = len(b) in (34, 38)
        if (braced and (b[:1] != b"{" or b[-1:] != b"}")) or (not braced and b[:9] != b"urn:uuid:"):
            raise bad_format(colon=not braced)
        b = b[1:-1] if braced else b[9:]
        if len(b) not in (32, 36):
            raise length()
    elif len(b) not in (32, 36):
        raise length()
    if len(b) == 36:
        if b[8:9] + b[13:14] + b[18:19] + b[23:24] != b"----":
            raise bad_format()
        b = b[:8] + b[9:13] + b[14:18] + b[19:23] + b[24:]
    error = _hex_error(b)
    if error is not None:
        raise GoDecodeError(error)
    return _canonical(b)


def gofrs_v4_3(text: str) -> str:
    return _gofrs_old(text, v3=False)


def gofrs_v3_2(text: str) -> str:
    return _gofrs_old(text, v3=True)
