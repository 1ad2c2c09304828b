"""The live server fixtures of tests/server (see tests/server/conftest.py), for these tests too."""

from tests.server.conftest import (  # noqa: F401 - fixtures, found by name
    live_server,
    live_server_factory,
    server_template,
    server_workspace,
    shared_uvicorn,
)
