"""generations: a generation is looked up by name, and only its own module (with its handlers) is
imported (the other three cost a start nothing)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mockserver import generations


def test_every_name_has_its_generation() -> None:
    assert [generations.get(name).name for name in generations.NAMES] == list(generations.NAMES)


def test_an_unknown_name_says_which_exist() -> None:
    with pytest.raises(ValueError, match=r"unknown API generation 'v2'; expected one of v26\.2, v1\.1, v1\.0, v0\.6"):
        generations.get("v2")


def test_getting_one_generation_imports_none_of_the_others() -> None:
    code = (
        "import sys; from mockserver import generations; generations.get('v26.2'); "
        "print(sorted(m for m in sys.modules if m.startswith('mockserver.generations.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "['mockserver.generations.v26_2']"
