"""HR's ready-made cache on the wire: GET /sync/ready-cache (what is offered, and its key)
and GET /sync/ready-cache/{id} (the file, with ranges). lcc_apr.server.ready_cache builds it;
lcc_apr.sync.ready_cache loads it."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt

from .wirebase import Wire

Number = Annotated[StrictInt, Field(ge=0, le=2**63 - 1)]
Hex = Annotated[str, Field(pattern=r"^[0-9a-f]+$", max_length=64)]


class ReadyCacheReply(Wire):
    id: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    key: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]  # the file's SQLCipher key
    epoch: Annotated[str, Field(min_length=1, max_length=64)]
    at: Number  # the feed position its records were read at
    records: Number
    size: Number  # bytes
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    # the people whose records not yet shared with them it leaves out: the laptop takes
    # those by snapshot after it (lcc_apr.server.ready_cache)
    excluded: Annotated[list[Number], Field(max_length=100_000)]
