"""`python -m depshield`: the same command as the `depshield` console script."""

from __future__ import annotations

import sys

from depshield.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
