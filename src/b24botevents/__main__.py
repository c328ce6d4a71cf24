"""``python -m b24botevents``: the command line, as the ``b24botevents`` script runs it."""

from __future__ import annotations

import sys

from b24botevents.cli import main

if __name__ == "__main__":
    sys.exit(main())
