"""LCC APR: the composition root.

`python main.py` opens the app (welcome screen: your organisation's server, or
the demo); `python main.py demo|summary|check` are the core's commands.
ui.start wires the store, sync and window together (no globals).
"""

import sys

from ui.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
