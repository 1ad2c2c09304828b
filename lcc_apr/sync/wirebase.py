"""The base of every wire model (lcc_apr.sync.protocol and the modules it gathers)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Wire(BaseModel):
    """Every body and reply: unknown keys refused (the client reads replies with `read`)."""

    model_config = ConfigDict(extra="forbid")
