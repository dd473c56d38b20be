"""mypy sees the store's real signatures through its lock decorators."""

from __future__ import annotations

from pathlib import Path

from mypy import api


def test_mypy_flags_a_wrong_keyword_to_a_store_verb(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(
        "from mockserver import create_app\n"
        "create_app().store.create_identity(bogus=1)\n"
        "create_app().store.get_identity(42)\n",
        encoding="utf-8",
    )
    out, _, status = api.run([str(snippet), "--no-incremental", "--follow-imports=silent", "--ignore-missing-imports"])
    assert status == 1, out
    assert 'Unexpected keyword argument "bogus"' in out
    assert 'Argument 1 to "get_identity" of "Store" has incompatible type "int"' in out
