"""Connexion's parameter validation, with compiled validators and Kratos' wording.

Connexion 3 deep-copies each parameter schema and builds a new ``Draft4Validator`` for every
parameter of every request, and reports failures as multi-line jsonschema dumps. This subclass
compiles once per parameter, says which parameter was wrong in one line, and uses Kratos' texts
where Kratos has one (``include_credential``, ``expand``, which Kratos reads case-insensitively).
"""

from __future__ import annotations

from typing import Any

from connexion.utils import is_null, is_nullable
from connexion.validators import ParameterValidator
from jsonschema import Draft4Validator

_FORMATS = Draft4Validator.FORMAT_CHECKER


def parameter_validator_class(lenient: frozenset[str] = frozenset()) -> type[ParameterValidator]:
    """A validator class with its own cache: one per app, so apps share nothing.

    ``lenient`` names query parameters the handlers parse themselves, as Kratos v0.6 did (a bad
    ``page`` means the default; a missing flow ``id`` is simply not found)."""
    compiled: dict[int, tuple[dict[str, Any], Draft4Validator]] = {}

    def validator_for(schema: dict[str, Any]) -> Draft4Validator:
        entry = compiled.get(id(schema))
        if entry is None or entry[0] is not schema:
            entry = (schema, Draft4Validator(schema, format_checker=_FORMATS))
            compiled[id(schema)] = entry
        return entry[1]

    class KratosParameterValidator(ParameterValidator):
        def validate_parameter(
            self, parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
        ) -> str | None:
            name = param.get("name", param_name)
            if name in lenient and parameter_type == "query":
                return None
            if is_nullable(param) and is_null(value):
                return None
            if value is None:
                return f"Missing {parameter_type} parameter '{name}'" if param.get("required") else None
            if name == "expand" and isinstance(value, list):
                value = [v.lower() if isinstance(v, str) else v for v in value]
            error = next(iter(validator_for(param.get("schema", param)).iter_errors(value)), None)
            if error is None:
                return None
            bad = error.instance
            if name == "expand":
                return f"Could not parse expand option: {bad}"
            if name == "include_credential":
                shown = bad if parameter_type == "query" and error.validator != "enum" else "[]"
                return f"Invalid value `{shown}` for parameter `{name}`."
            return f"Invalid value `{bad}` for {parameter_type} parameter `{name}`: {error.message}"

    return KratosParameterValidator
