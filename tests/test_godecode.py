"""Go's encoding/json as Kratos' handlers decode bodies (godecode), against texts Go prints."""

from __future__ import annotations

import pytest

from mockserver import bodies
from mockserver.godecode import GoDecodeError, decode, go_quote, gofrs_v3_2, gofrs_v4_3, gofrs_v4_4

NIL = "00000000-0000-0000-0000-000000000000"


def _error(body: object, strict: bool = True) -> str:
    with pytest.raises(GoDecodeError) as caught:
        decode(body, bodies.CREATE_IDENTITY, strict=strict)
    return caught.value.text


def test_type_errors_name_the_innermost_struct_and_the_path_from_the_root() -> None:
    assert _error([]) == "json: cannot unmarshal array into Go value of type identity.CreateIdentityBody"
    assert _error({"state": 1}) == (
        "json: cannot unmarshal number into Go struct field CreateIdentityBody.state of type identity.State"
    )
    assert _error({"verifiable_addresses": [{"verified": "yes"}]}) == (
        "json: cannot unmarshal string into Go struct field "
        "VerifiableAddress.verifiable_addresses.verified of type bool"
    )


def test_the_first_saved_error_wins_but_an_unmarshaler_error_stops_at_once() -> None:
    assert _error({"schema_id": 1, "nope": 1}).endswith("CreateIdentityBody.schema_id of type string")
    assert _error({"nope": 1, "schema_id": 1}) == 'json: unknown field "nope"'
    assert _error({"schema_id": 1, "organization_id": "x"}) == 'uuid: incorrect UUID length 1 in string "x"'


def test_names_match_case_insensitively_null_is_the_zero_value_and_lenient_drops_unknown_fields() -> None:
    assert decode({"SCHEMA_ID": "a", "State": None}, bodies.CREATE_IDENTITY, strict=True) == {
        "schema_id": "a",
        "state": None,
    }
    assert decode({"x": 1, "schema_id": "a"}, bodies.UPDATE_IDENTITY, strict=False) == {"schema_id": "a"}
    assert decode(None, bodies.CREATE_IDENTITY, strict=True) is None


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (gofrs_v4_4, "ABCDEF01-0000-4000-8000-000000000000", "abcdef01-0000-4000-8000-000000000000"),
        (gofrs_v4_4, "{" + NIL + "}", NIL),
        (gofrs_v4_4, "urn:uuid:" + NIL.replace("-", ""), NIL),
        (gofrs_v4_4, "", 'uuid: incorrect UUID length 0 in string ""'),
        (gofrs_v4_4, "g" + NIL[1:], "uuid: invalid UUID format"),
        (gofrs_v4_4, NIL.replace("-", "x"), f'uuid: incorrect UUID format in string "{NIL.replace("-", "x")}"'),
        (gofrs_v4_3, "g" + NIL[1:], "encoding/hex: invalid byte: U+0067 'g'"),
        (gofrs_v4_3, "abc", 'uuid: incorrect UUID length 3 in string "abc"'),
        (gofrs_v3_2, "abc", "uuid: incorrect UUID length: abc"),
    ],
)
def test_gofrs_uuid_as_each_release_vendors_it(parse: object, text: str, expected: str) -> None:
    try:
        result = parse(text)  # type: ignore[operator]
    except GoDecodeError as error:
        result = error.text
    assert result == expected


def test_go_quote() -> None:
    assert go_quote('a"b\\\n\x00é') == '"a\\"b\\\\\\n\\x00é"'
    assert go_quote(b"\xff") == '"\\xff"'
