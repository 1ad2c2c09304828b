"""LCC APR: the composition root.

Builds the objects the app runs on (paths, store, and later sync and the
window) and hands control to the command line. `python main.py --help`.
"""

import sys

from lcc_apr.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
