"""``python -m mockserver`` and the ``kratos-mock`` command."""

from __future__ import annotations

import gc
import sys


def main() -> int:
    """The command, started with the cyclic garbage collector off.

    Starting the mock allocates some 100,000 objects that live as long as the process (modules, the
    parsed specs, connexion's operations) and no garbage to speak of; collecting while they are
    made costs a tenth of a cold start. ``cli`` turns the collector back on once the app is built,
    first freezing what start-up made (``gc.freeze``) so later collections skip it, or straight
    after parsing the command line for the commands that serve nothing."""
    gc.disable()
    from .cli import main as command

    try:
        return command(collector_paused=True)
    finally:
        gc.enable()


if __name__ == "__main__":
    sys.exit(main())
