"""``python -m mockserver`` is the ``kratos-mock`` command."""

import sys

from .cli import main

sys.exit(main())
