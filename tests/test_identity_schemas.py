"""Trait formats as Kratos v26.2.0 checks them.

Kratos pins github.com/ory/jsonschema/v3 v3.0.9-0.20250317235931-280c5fc7bf0e (go.mod). Its formats.go
``isEmail`` checks lengths in bytes, splits at the last ``@``, requires ``isHostname(domain)`` and then
that Go's ``net/mail.ParseAddress(s)`` succeeds (the parsed address is not compared with the input).
``is_email`` implements that with a shortcut for ParseAddress; ``_AddrParser`` below is a literal
transliteration of Go's ``addrParser.parseSingleAddress`` (src/net/mail/message.go) used as the
oracle that the shortcut is exact.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver.errors import KratosError
from mockserver.identity_schemas import _DOT_ATOM, _QUOTED, SchemaRegistry, go_quote, is_email, is_hostname

from .conftest import assert_error, new_identity

# --- accepted and rejected examples --------------------------------------------------------------

ACCEPTED = [
    ("a@b.com", "plain dot-atom local part and hostname"),
    ("Foo.Bar+tag@Example.COM", "atext and dots; case is kept by the format check (normalised later)"),
    ("user@localhost", "isHostname: a single label is a hostname"),
    ("a@x.-y.io", "isHostname checks only the first character of the whole name for '-'"),
    ("a@123.45", "isHostname: labels may be all digits"),
    ('"a b"@example.com', "ParseAddress: quoted-string local part with a space"),
    ('"a@b"@example.com', "isEmail splits at the LAST @; a quoted local part may hold one"),
    ('"a\\"b"@example.com', "quoted-pair inside a quoted-string"),
    (" a@example.com", "ParseAddress skips leading spaces (skipSpace); isEmail does not compare"),
    ("\ta@example.com", "ParseAddress skips a leading tab too"),
    ("üñí@example.com", "RFC 6532: multi-byte runes are atext"),
    ("!#$%&'*+/=?^_`{|}~-@example.com", "every ASCII atext character"),
    ("a" * 64 + "@example.com", "local part of exactly 64 bytes"),
    ("a@" + ".".join(["b" * 63] * 3) + "." + "c" * 60, "254 bytes in all, a hostname of 252"),
]

REJECTED = [
    ("nul\x00mail@example.com", "ParseAddress: NUL is not atext (the escaped \\u0000 of issue #16)"),
    ("<x>@y", "ParseAddress: '<' starts no addr-spec, and '<x>' is no angle-addr before @"),
    ("plain", "isEmail: no @"),
    ("@example.com", "ParseAddress: empty local part"),
    ("a@", "isHostname: empty domain"),
    ("a@b.com.", "isHostname allows one trailing dot, ParseAddress' dot-atom does not"),
    ("a@-b.com", "isHostname: the name may not start with '-'"),
    ("a@b-.com", "isHostname: a label may not end with '-'"),
    ("a@b..com", "isHostname: empty label"),
    ("a@b_c.com", "isHostname: '_' is not a hostname character"),
    ("a@exämple.com", "isHostname: ASCII only (no IDN)"),
    ("a@[127.0.0.1]", "isHostname refuses domain literals before ParseAddress could accept them"),
    (".a@b.com", "ParseAddress: leading dot in atom"),
    ("a.@b.com", "ParseAddress: trailing dot in atom"),
    ("a..b@b.com", "ParseAddress: double dot in atom"),
    ("a b@b.com", "ParseAddress: a space inside a dot-atom"),
    ("a @b.com", "ParseAddress: no space between local part and @"),
    ("a@ b.com", "isHostname: the domain is everything after the last @"),
    ("a@b.com ", "isHostname: a trailing space is part of the domain"),
    ('""@b.com', "ParseAddress: empty quoted string in addr-spec"),
    ('"a"b@b.com', "ParseAddress: a quoted-string must be followed by @"),
    ('"a@b.com', "ParseAddress: unclosed quoted-string"),
    ('"a\x01"@b.com', "ParseAddress: control character in a quoted-string"),
    ("a\x7f@b.com", "ParseAddress: DEL is not atext"),
    ("a(comment)@b.com", "ParseAddress: the comment ends an addr-spec early"),
    ("Ada <ada@b.com>", "isHostname: the domain would be 'b.com>'"),
    ("Ada <ada@b.com", "ParseAddress: unclosed angle-addr"),
    ("a@b@c.com", "ParseAddress: the first @ ends the addr-spec, '@c.com' is left over"),
    ("a" * 65 + "@example.com", "isEmail: local part over 64 bytes"),
    ("é" * 33 + "@example.com", "isEmail: 33 two-byte runes are 66 bytes"),
    ("a@" + ".".join(["b" * 63] * 3) + "." + "c" * 61, "isEmail: 255 bytes (the hostname, 253, would pass)"),
    ("a@" + "b" * 64 + ".com", "isHostname: a label over 63 bytes"),
]


@pytest.mark.parametrize(("value", "why"), ACCEPTED)
def test_is_email_accepts_what_ory_jsonschema_accepts(value: str, why: str) -> None:
    assert is_email(value), why
    assert _go_is_email(value), why


@pytest.mark.parametrize(("value", "why"), REJECTED)
def test_is_email_rejects_what_ory_jsonschema_rejects(value: str, why: str) -> None:
    assert not is_email(value), why
    assert not _go_is_email(value), why


@pytest.mark.parametrize("value", [None, 1, 1.5, True, [], {}])
def test_formats_refuse_non_strings_as_ory_jsonschema_does(value: Any) -> None:
    """formats.go: every format function starts with ``s, ok := v.(string); if !ok { return false }``
    and schema.go applies ``format`` whatever the type."""
    assert not is_email(value) and not is_hostname(value)


# --- the shortcut against a transliteration of Go's net/mail ------------------------------------

_SPECIALS = '()<>[]:;@\\,"'


def _vchar(r: str) -> bool:
    return "!" <= r <= "~" or ord(r) >= 0x80


def _atext(r: str, dot: bool) -> bool:
    if r == ".":
        return dot
    return r not in _SPECIALS and _vchar(r)


class _GoParseError(Exception):
    pass


class _AddrParser:
    """Go's net/mail addrParser, function for function (RFC 2047 decoding left out: it only changes
    display names and can fail only inside the phrase, whose errors are ignored once a word is read)."""

    def __init__(self, s: str) -> None:
        self.s = s

    def empty(self) -> bool:
        return not self.s

    def peek(self) -> str:
        return self.s[0]

    def consume(self, c: str) -> bool:
        if self.empty() or self.peek() != c:
            return False
        self.s = self.s[1:]
        return True

    def skip_space(self) -> None:
        self.s = self.s.lstrip(" \t")

    def skip_cfws(self) -> bool:
        self.skip_space()
        while self.consume("("):
            if not self.consume_comment()[1]:
                return False
            self.skip_space()
        return True

    def consume_comment(self) -> tuple[str, bool]:
        depth, comment = 1, ""
        while not self.empty() and depth != 0:
            if self.peek() == "\\" and len(self.s) > 1:
                self.s = self.s[1:]
            elif self.peek() == "(":
                depth += 1
            elif self.peek() == ")":
                depth -= 1
            if depth > 0:
                comment += self.s[:1]
            self.s = self.s[1:]
        return comment, depth == 0

    def parse_single_address(self) -> None:
        addrs = self.parse_address(handle_group=True)
        if not self.skip_cfws():
            raise _GoParseError("misformatted parenthetical comment")
        if not self.empty():
            raise _GoParseError("expected single address")
        if len(addrs) != 1:
            raise _GoParseError("empty group or group with multiple addresses")

    def parse_address(self, handle_group: bool) -> list[str]:
        self.skip_space()
        if self.empty():
            raise _GoParseError("no address")
        try:
            spec = self.consume_addr_spec()
        except _GoParseError:
            pass
        else:
            self.skip_space()
            if not self.empty() and self.peek() == "(":
                self.consume_display_name_comment()
            return [spec]
        if self.peek() != "<":
            self.consume_phrase()
        self.skip_space()
        if handle_group and self.consume(":"):
            return self.consume_group_list()
        if not self.consume("<"):
            raise _GoParseError("no angle-addr")
        spec = self.consume_addr_spec()
        if not self.consume(">"):
            raise _GoParseError("unclosed angle-addr")
        return [spec]

    def consume_group_list(self) -> list[str]:
        group: list[str] = []
        self.skip_space()
        if self.consume(";"):
            if not self.skip_cfws():
                raise _GoParseError("misformatted parenthetical comment")
            return group
        while True:
            self.skip_space()
            group += self.parse_address(handle_group=False)
            if not self.skip_cfws():
                raise _GoParseError("misformatted parenthetical comment")
            if self.consume(";"):
                if not self.skip_cfws():
                    raise _GoParseError("misformatted parenthetical comment")
                return group
            if not self.consume(","):
                raise _GoParseError("expected comma")

    def consume_addr_spec(self) -> str:
        orig = self.s
        try:
            self.skip_space()
            if self.empty():
                raise _GoParseError("no addr-spec")
            if self.peek() == '"':
                local = self.consume_quoted_string()
                if local == "":
                    raise _GoParseError("empty quoted string in addr-spec")
            else:
                local = self.consume_atom(dot=True, permissive=False)
            if not self.consume("@"):
                raise _GoParseError("missing @ in addr-spec")
            self.skip_space()
            if self.empty():
                raise _GoParseError("no domain in addr-spec")
            domain = self.consume_domain_literal() if self.peek() == "[" else self.consume_atom(True, False)
            return f"{local}@{domain}"
        except _GoParseError:
            self.s = orig
            raise

    def consume_phrase(self) -> str:
        words: list[str] = []
        while True:
            if words and not self.skip_cfws():
                raise _GoParseError("misformatted parenthetical comment")
            self.skip_space()
            if self.empty():
                break
            try:
                word = self.consume_quoted_string() if self.peek() == '"' else self.consume_atom(True, True)
            except _GoParseError:
                if not words:
                    raise
                break
            words.append(word)
        if not words:
            raise _GoParseError("missing word in phrase")
        return " ".join(words)

    def consume_quoted_string(self) -> str:
        i, out, escaped = 1, "", False
        while True:
            if i >= len(self.s):
                raise _GoParseError("unclosed quoted-string")
            r = self.s[i]
            if escaped:
                if not _vchar(r) and r not in " \t":
                    raise _GoParseError("bad character in quoted-string")
                out, escaped = out + r, False
            elif (_vchar(r) and r not in '\\"') or r in " \t":
                out += r
            elif r == '"':
                break
            elif r == "\\":
                escaped = True
            else:
                raise _GoParseError("bad character in quoted-string")
            i += 1
        self.s = self.s[i + 1 :]
        return out

    def consume_atom(self, dot: bool, permissive: bool) -> str:
        i = 0
        while i < len(self.s) and _atext(self.s[i], dot):
            i += 1
        if i == 0:
            raise _GoParseError("invalid string")
        atom, self.s = self.s[:i], self.s[i:]
        if not permissive and (atom.startswith(".") or ".." in atom or atom.endswith(".")):
            raise _GoParseError("dot in atom")
        return atom

    def consume_domain_literal(self) -> str:
        if not self.consume("["):
            raise _GoParseError("missing [")
        dtext = ""
        while True:
            if self.empty():
                raise _GoParseError("unclosed domain-literal")
            if self.peek() == "]":
                break
            r = self.s[0]
            if r in "[]\\" or not _vchar(r):
                raise _GoParseError("bad character in domain-literal")
            dtext, self.s = dtext + r, self.s[1:]
        self.consume("]")
        try:
            if dtext.startswith("IPv6:"):
                ipaddress.IPv6Address(dtext[5:])
            else:
                ipaddress.IPv4Address(dtext)
        except ValueError as exc:
            raise _GoParseError("invalid IP address in domain-literal") from exc
        return f"[{dtext}]"

    def consume_display_name_comment(self) -> str:
        if not self.consume("("):
            raise _GoParseError("comment does not start with (")
        comment, ok = self.consume_comment()
        if not ok:
            raise _GoParseError("misformatted parenthetical comment")
        return comment


def _go_is_email(s: str) -> bool:
    """ory/jsonschema formats.go isEmail with the literal ParseAddress port."""
    if len(s.encode("utf-8", "surrogatepass")) > 254 or "@" not in s:
        return False
    at = s.rfind("@")
    if len(s[:at].encode("utf-8", "surrogatepass")) > 64 or not is_hostname(s[at + 1 :]):
        return False
    try:
        _AddrParser(s).parse_single_address()
    except _GoParseError:
        return False
    return True


_ALPHABET = [*'ab.-@ \t"\\()<>,:;[]', "\x00", "\x7f", "ü", "Z", "0", "\u00a0"]
_HOSTNAMES = st.lists(st.from_regex(r"\A[a-z0-9-]{1,5}\Z"), min_size=1, max_size=3).map(".".join)
_LOCALS = st.one_of(
    st.text(alphabet=_ALPHABET, max_size=16),
    st.text(alphabet=_ALPHABET, max_size=8).map(lambda s: f'"{s}"'),
    st.from_regex(r"\A[a-z!#~.-]{1,8}\Z"),
)
_CANDIDATES = st.one_of(
    st.text(alphabet=_ALPHABET, max_size=24),
    st.tuples(
        st.sampled_from(["", " ", "\t", " \t", "(c)", "x "]),
        _LOCALS,
        st.sampled_from(["@", "@ ", " @"]),
        _HOSTNAMES,
        st.sampled_from(["", ".", " ", ">", ")"]),
    ).map("".join),
)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_CANDIDATES)
@example(' "a b" @x.io')
@example("x:;@a.io")
@example('"a"(c)@x.io')
@example("a@b(c)@d.com")
def test_is_email_matches_a_literal_port_of_go_net_mail(value: str) -> None:
    assert is_email(value) == _go_is_email(value)


@pytest.mark.parametrize("code_points", [range(0x80), range(0x80, 0x110000, 97)], ids=["ascii", "beyond"])
def test_the_character_classes_are_go_net_mail_atext_qtext_and_quoted_pair(code_points: range) -> None:
    """The email regexes spell "any rune from U+0080" as negated ASCII classes (cheap to compile);
    each class still admits exactly the runes net/mail's isAtext, isQtext/WSP and isVchar/WSP do."""
    for r in map(chr, code_points):
        assert bool(_DOT_ATOM.fullmatch(r)) == _atext(r, dot=False), hex(ord(r))
        assert bool(_QUOTED.fullmatch(f'"{r}"')) == ((_vchar(r) and r not in '\\"') or r in " \t"), hex(ord(r))
        assert bool(_QUOTED.fullmatch(f'"\\{r}"')) == (_vchar(r) or r in " \t"), hex(ord(r))


@given(
    st.from_regex(r"\A[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,20}(\.[a-zA-Z0-9_+-]{1,8}){0,2}\Z"),
    _HOSTNAMES.filter(lambda h: not h.startswith("-") and all(not label.endswith("-") for label in h.split("."))),
)
def test_dot_atom_at_hostname_is_an_email(local: str, host: str) -> None:
    assert is_email(f"{local}@{host}")


# --- Go's %q ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("a@b.com", '"a@b.com"'),
        ("nul\x00mail", '"nul\\x00mail"'),
        ('q"b\\', '"q\\"b\\\\"'),
        ("tab\there\n", '"tab\\there\\n"'),
        ("ü😀", '"ü😀"'),
        ("nb\u00a0sp\u200b", '"nb\\u00a0sp\\u200b"'),
        ("del\x7f", '"del\\x7f"'),
    ],
)
def test_go_quote_is_strconv_quote(value: str, quoted: str) -> None:
    assert go_quote(value) == quoted


# --- over HTTP ----------------------------------------------------------------------------------


def test_create_with_an_escaped_nul_in_the_email_is_400(client: TestClient) -> None:
    response = client.post(
        "/admin/identities",
        content=b'{"schema_id": "default", "traits": {"email": "nul\\u0000mail@example.com"}}',
        headers={"content-type": "application/json"},
    )
    assert_error(
        response,
        400,
        reason="I[#/traits/email] S[#/properties/traits/properties/email/format] "
        '"nul\\x00mail@example.com" is not valid "email"',
    )
    assert client.get("/admin/identities").json() == []


@pytest.mark.parametrize("email", ["<x>@y", "a@b.com.", "a@exämple.com", "Ada <ada@example.com>"])
def test_create_with_an_email_go_refuses_is_400(client: TestClient, email: str) -> None:
    response = client.post("/admin/identities", json={"schema_id": "default", "traits": {"email": email}})
    assert_error(response, 400, reason=f'{go_quote(email)} is not valid "email"')


@pytest.mark.parametrize(
    ("email", "identifier"),
    [
        ('"Ada Lovelace"@Example.com', '"ada lovelace"@example.com'),
        (" Ada@Example.com", "ada@example.com"),
        ("user@localhost", "user@localhost"),
    ],
)
def test_create_with_an_unusual_email_go_accepts(client: TestClient, email: str, identifier: str) -> None:
    identity = new_identity(client, email)
    assert identity["traits"]["email"] == email  # stored as sent
    assert identity["credentials"]["password"]["identifiers"] == [identifier]
    assert identity["recovery_addresses"][0]["value"] == identifier


def _schema(trait: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {"traits": {"type": "object", "properties": {"handle": trait}, "required": ["handle"]}},
    }


def _validate(trait: dict[str, Any], value: Any) -> Any:
    return SchemaRegistry({"s": _schema(trait)}).for_identity("s").validate({"handle": value})


def test_formats_ory_jsonschema_does_not_register_are_not_checked() -> None:
    """formats.go Formats has no uuid, idn-email or idn-hostname: Kratos accepts any string there."""
    for fmt in ("uuid", "idn-email", "idn-hostname", "no-validate", "made-up"):
        _validate({"type": "string", "format": fmt}, "not anything")


def test_hostname_format_is_checked_as_go_does() -> None:
    _validate({"type": "string", "format": "hostname"}, "a.-b.example.")
    with pytest.raises(KratosError, match=re.escape('"-a.example" is not valid "hostname"')):
        _validate({"type": "string", "format": "hostname"}, "-a.example")


def test_recovery_via_email_checks_is_email_whatever_the_format() -> None:
    """extension_recovery.go: ``jsonschema.Formats["email"](value)`` for via=email, format or not."""
    trait = {"type": "string", "format": "no-validate", "ory.sh/kratos": {"recovery": {"via": "email"}}}
    with pytest.raises(KratosError, match=re.escape('"not-an-email" is not valid "email"')):
        _validate(trait, "not-an-email")
    assert _validate(trait, "A@Example.com").recovery == [("email", "a@example.com")]


def test_verification_via_email_checks_is_email_only_without_a_format() -> None:
    """extension_verification.go: with a format of its own the trait was checked by that format."""
    checked = {"type": "string", "ory.sh/kratos": {"verification": {"via": "email"}}}
    with pytest.raises(KratosError, match=re.escape('"nul\\x00@example.com" is not valid "email"')):
        _validate(checked, "nul\x00@example.com")
    unchecked = {"type": "string", "format": "no-validate", "ory.sh/kratos": {"verification": {"via": "email"}}}
    assert _validate(unchecked, "+1 650 253 0000").verifiable == [("email", "+1 650 253 0000")]


def test_code_identifier_via_email_is_normalised_not_checked() -> None:
    """extension_credentials.go: x.NormalizeIdentifier(value, "email") cannot fail."""
    trait = {"type": "string", "ory.sh/kratos": {"credentials": {"code": {"identifier": True, "via": "email"}}}}
    assert _validate(trait, " Some Handle ").identifiers["code"] == ["some handle"]
