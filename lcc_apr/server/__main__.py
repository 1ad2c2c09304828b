"""`python -m lcc_apr.server ...` is `lcc-apr-server ...`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
