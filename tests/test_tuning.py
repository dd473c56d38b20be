"""tuning: connexion's check of each bundled OpenAPI document runs here, once, instead of in
every ``create_app``; what ``register`` builds is what connexion's ``add_api`` would."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from connexion.exceptions import InvalidSpecification
from connexion.spec import OpenAPISpecification, Specification

from mockserver import frontend_api, generations, tuning
from mockserver.generations import NAMES
from mockserver.spec import CONTROL, load_spec


def served_documents() -> list[tuple[str, dict[str, Any]]]:
    """Every document an app hands connexion: each generation's admin and public parts, the control plane."""
    out = [("control-plane", load_spec(CONTROL))]
    for name in NAMES:
        admin, public = frontend_api.split(load_spec(generations.get(name).spec))
        out.append((f"{name} admin", admin))
        if public is not None:
            out.append((f"{name} frontend", public))
    return out


@pytest.mark.parametrize(("name", "document"), served_documents(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_served_document_passes_connexions_own_check(name: str, document: dict[str, Any]) -> None:
    OpenAPISpecification._validate_spec(copy.deepcopy(document))


def test_the_check_would_catch_a_broken_document() -> None:
    """The test above can fail: a document connexion refuses is refused by the same call."""
    broken = copy.deepcopy(load_spec(CONTROL))
    broken["info"] = "kratos-mock"  # OpenAPI 3.0: an object with title and version
    with pytest.raises(InvalidSpecification):
        OpenAPISpecification._validate_spec(broken)


@pytest.mark.parametrize(("name", "document"), served_documents(), ids=lambda v: v if isinstance(v, str) else "")
def test_a_bundled_specification_is_connexions_without_the_check_or_the_copy(name: str, document: Any) -> None:
    """The same resolved and raw document as connexion's own, and what it was given left unchanged
    (it skips connexion's deep copy of the raw document: 7 ms of a start)."""
    before = copy.deepcopy(document)
    ours = tuning.BundledSpecification.from_trusted(document)
    theirs = Specification.from_dict(copy.deepcopy(before))
    assert dict(ours) == dict(theirs) and ours.raw == theirs.raw and ours.base_path == theirs.base_path
    assert document == before


def test_split_leaves_the_document_as_it_was_and_the_parts_apart() -> None:
    """frontend_api.split copies only what it changes (the top, ``paths``, the path items and the
    operations whose body it replaces); the rest is shared, and none of it is written to."""
    document = load_spec(generations.get("v26.2").spec)
    before = copy.deepcopy(document)
    admin, public = frontend_api.split(document)
    assert public is not None and document == before
    assert admin["paths"].keys() | public["paths"].keys() == document["paths"].keys()
    for path, item in public["paths"].items():
        for method, op in item.items():
            if "requestBody" in op:
                assert op["requestBody"] == {"content": {"*/*": {}}}
                assert document["paths"][path][method]["requestBody"] != op["requestBody"]


def test_register_keeps_the_api_as_add_api_does() -> None:
    app = tuning.new_app()
    tuning.register(app, load_spec(CONTROL), strict_validation=True)
    (api,) = app.middleware.apis
    assert isinstance(api.specification, tuning.BundledSpecification)
    assert api.kwargs["strict_validation"] is True and api.base_path is None


def test_register_falls_back_to_add_api_when_connexion_differs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another connexion 3.x without the internals ``register`` uses still gets the API (checked)."""
    app = tuning.new_app()
    calls: list[dict[str, Any]] = []
    monkeypatch.delattr(type(app.middleware.options), "replace")
    monkeypatch.setattr(app, "add_api", lambda document, **options: calls.append(options))
    tuning.register(app, load_spec(CONTROL), strict_validation=True)
    assert calls == [{"strict_validation": True}] and not app.middleware.apis
