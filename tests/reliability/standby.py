"""`python -m tests.reliability.standby`: the server's code imported ahead of time, waiting
for "PORT DATABASE_URL" on stdin, then exactly `lcc-apr-server serve --port PORT` on that
database. A restart in the machine then costs uvicorn's start, not the imports."""

from __future__ import annotations

import os
import sys

import uvicorn  # noqa: F401 - imported ahead

from lcc_apr.server import app  # noqa: F401 - imported ahead
from lcc_apr.server.cli import main


def run() -> int:
    words = sys.stdin.readline().split()
    if len(words) != 2:
        return 0  # told to go away
    port, url = words
    os.environ["LCC_APR_SERVER_DATABASE_URL"] = url
    return main(["serve", "--port", port])


if __name__ == "__main__":
    sys.exit(run())
