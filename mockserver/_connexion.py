"""connexion, imported once and quietly (``connexion_import``); the server may have imported it
before, leaner. Every module of ours that needs connexion imports this one first."""

from __future__ import annotations

from .connexion_import import import_connexion

import_connexion()
