"""connexion, imported once without the warnings its own import raises.

connexion 3.3's ``connexion/apps/abstract.py`` imports ``starlette.testclient``, which warns that
using it with httpx is deprecated (a ``StarletteDeprecationWarning``, shown by default), and its
``json_schema.py`` imports jsonschema's deprecated ``RefResolver``. Neither is anything a user of
the mock can act on, so every module of ours that needs connexion imports this one first.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    import connexion  # noqa: F401
