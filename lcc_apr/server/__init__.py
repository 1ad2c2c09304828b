"""The LCC APR sync server (FastAPI): accounts, scope, the sequence, push and pull.

Never imports Qt. `create_app(settings)` builds the app; `lcc-apr-server` runs it
and its admin commands (lcc_apr.server.cli). The wire protocol is
docs/sync-protocol.md with the types of lcc_apr.sync.protocol.
"""

from .app import create_app
from .settings import ServerSettings, load_settings

__all__ = ["ServerSettings", "create_app", "load_settings"]
