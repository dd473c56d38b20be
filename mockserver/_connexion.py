"""connexion, imported once, quietly and without what it imports only for features the mock does
not use (``connexion_import``). Every module of ours that needs connexion imports this one first."""

from __future__ import annotations

from .connexion_import import import_connexion

import_connexion()
