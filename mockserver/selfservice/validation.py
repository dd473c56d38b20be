"""Flow bodies validated as Kratos validates them (ory/x decoderx with the strategies' JSON
schemas; the identity schema for ``traits``), errors translated to UI messages by
ui/container/container.go ParseError and translateValidationError."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from . import texts

Problem = tuple[str, texts.Message]  # (dotted field name or "", message)

# strategy/password/.schema/login.schema.json
LOGIN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "csrf_token": {"type": "string"},
        "password": {"type": "string", "minLength": 1},
        "identifier": {"type": "string", "minLength": 1},
        "method": {"type": "string"},
        "transient_payload": {"type": "object", "additionalProperties": True},
    },
    "allOf": [
        {
            "if": {"properties": {"method": {"const": "password"}}, "required": ["method"]},
            "then": {"required": ["password"]},
        },
        {
            "if": {
                "properties": {"password_identifier": {"type": "string", "minLength": 1}},
                "required": ["password_identifier"],
            },
            "then": {"required": ["password_identifier"]},
            "else": {"required": ["identifier"]},
        },
    ],
}
# strategy/password/.schema/registration.schema.json, with traits → the identity schema's traits
REGISTRATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "csrf_token": {"type": "string"},
        "password": {"type": "string", "minLength": 1},
        "traits": {},
        "method": {"type": "string"},
        "transient_payload": {"type": "object", "additionalProperties": True},
    },
    "if": {"properties": {"method": {"const": "password"}}, "required": ["method"]},
    "then": {"required": ["password"]},
}
_JSON_KINDS = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def validate_login(body: Mapping[str, Any]) -> list[Problem]:
    return _problems(Draft7Validator(LOGIN_SCHEMA, format_checker=FormatChecker()), body)


def validate_registration(
    body: Mapping[str, Any], identity_schema: Mapping[str, Any], *, password: bool
) -> list[Problem]:
    """registration/decoder.go DecodeBody: the strategy's body schema, traits by the identity schema."""
    schema = copy.deepcopy(REGISTRATION_SCHEMA if password else {**REGISTRATION_SCHEMA, "if": {}, "then": {}})
    document = dict(identity_schema)
    traits = (document.get("properties") or {}).get("traits", {})
    schema["properties"]["traits"] = traits
    for key in ("definitions", "$defs"):
        if key in document:
            schema[key] = document[key]
    return _problems(Draft7Validator(schema, format_checker=FormatChecker()), body)


def validate_traits(traits: Any, identity_schema: Mapping[str, Any]) -> list[Problem]:
    """identity/validator.go Validate: the traits against the identity schema."""
    schema = {k: v for k, v in identity_schema.items() if k != "$id"}
    return _problems(Draft7Validator(schema, format_checker=FormatChecker()), {"traits": traits})


def _problems(validator: Draft7Validator, instance: Any) -> list[Problem]:
    out: list[Problem] = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path]):
        out.extend(_translate(error))
    return out


def _leaves(error: ValidationError) -> Iterable[ValidationError]:
    if error.validator in ("allOf", "anyOf", "oneOf") and error.context:
        for sub in error.context:
            yield from _leaves(sub)
    else:
        yield error


def _field(path: Iterable[Any]) -> str:
    return ".".join(str(p) for p in path)


def _translate(error: ValidationError) -> list[Problem]:
    out: list[Problem] = []
    for leaf in _leaves(error):
        field = _field(leaf.absolute_path)
        kind, expected, value = leaf.validator, leaf.validator_value, leaf.instance
        if kind == "required":
            missing = [name for name in expected if isinstance(value, Mapping) and name not in value]
            for name in missing:
                out.append((f"{field}.{name}" if field else name, texts.required(name)))
        elif kind == "minLength":
            out.append((field, texts.min_length(int(expected), len(value))))
        elif kind == "maxLength":
            out.append((field, texts.max_length(int(expected), len(value))))
        elif kind == "pattern":
            out.append((field, texts.invalid_format(str(expected))))
        elif kind == "type":
            allowed = expected if isinstance(expected, list) else [expected]
            out.append((field, texts.wrong_type([str(a) for a in allowed], _json_kind(value))))
        elif kind == "format" and expected == "email":
            out.append((field, texts.email(str(value))))
        elif kind == "format" and expected == "tel":
            out.append((field, texts.phone(str(value))))
        elif kind == "format":
            out.append((field, texts.generic(f'"{value}" is not valid "{expected}"')))
        else:
            out.append((field, texts.generic(leaf.message)))
    return out


def _json_kind(value: Any) -> str:
    for cls, name in _JSON_KINDS:
        if isinstance(value, cls):
            return name
    return "null"
