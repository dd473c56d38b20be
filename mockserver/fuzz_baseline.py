"""Matching a fuzz failure against the baseline: schemathesis' own match, narrowed by an entry's
``where`` (the failure's fields, the operation, or the case's only invalid part)."""

from __future__ import annotations

from datetime import date
from typing import Any


def baseline_entry(baseline: Any, failure: Any, check: str, case: Any) -> Any:
    """The baseline entry that accounts for this failure, or None.

    An entry matches as in schemathesis (operation, check, failure class, signature, not expired),
    and, when it has ``where``, only if every condition holds. schemathesis' signatures are coarse
    (``negative_data_rejection`` is just the status code), so ``where`` keeps an entry from hiding
    other differences: its keys are the failure's own fields (``not_available_with``, ...),
    ``case_operation``, the operation of the request the check failed on, and ``invalid``, what
    ``only_invalid_part`` says of that request.
    """
    if baseline is None:
        return None
    from schemathesis.baseline import failure_identity

    identity = failure_identity(failure, check)
    today = date.today()
    facts: dict[str, str | None] | None = None
    for entry in baseline.entries:
        if entry.identity != identity or entry.is_expired(today):
            continue
        where = entry.extra.get("where")
        if not where:
            return entry
        if facts is None:
            facts = _facts(failure, case)
        if all(facts.get(name) == value for name, value in where.items()):
            return entry
    return None


def _facts(failure: Any, case: Any) -> dict[str, str | None]:
    facts: dict[str, str | None] = {
        name: str(getattr(failure, name))
        for cls in type(failure).__mro__
        for name in getattr(cls, "__slots__", ())
        if isinstance(name, str) and hasattr(failure, name)
    }
    facts["invalid"] = only_invalid_part(case)
    facts["case_operation"] = getattr(getattr(case, "operation", None), "label", None)
    return facts


def only_invalid_part(case: Any) -> str | None:
    """``"missing header NAME"`` when a negative case's only invalid part is that one required
    parameter left out (coverage's missing-parameter scenario, or fuzzing's single ``required``
    mutation) and it was indeed not sent; None for anything else."""
    from schemathesis.core.parameters import ParameterLocation
    from schemathesis.generation.meta import CoverageScenario

    meta = getattr(case, "meta", None)
    if meta is None or not meta.generation.mode.is_negative:
        return None
    negative = {location for location, component in meta.components.items() if component.mode.is_negative}
    data = meta.phase.data
    name, location = getattr(data, "parameter", None), getattr(data, "parameter_location", None)
    if negative != {ParameterLocation.HEADER} or location != ParameterLocation.HEADER or not name:
        return None
    mutations = getattr(data, "mutations", ())
    header = ParameterLocation.HEADER
    if mutations:
        if not all(
            m.parameter_location == header and m.parameter == name and m.keywords == ("required",) for m in mutations
        ):
            return None
    elif getattr(data, "scenario", None) != CoverageScenario.MISSING_PARAMETER:
        return None
    if any(key.lower() == name.lower() for key in (case.headers or {})):
        return None
    return f"missing header {name}"
