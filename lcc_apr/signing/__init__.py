"""Signing: what a signature covers (content), personal keys and certificates, sign-off.

The public API, importable from here (loaded on first use, so importing
`lcc_apr.signing.content` stays light):

- identity: `Signer` (per store: `ready(connection)`, `enrol`, `trust()`),
  `SigningIdentity`, `SigningError`, `NEED_CERTIFICATE`
- sign-off: `sign_off`, `signing_options`, `signature_states`, `SignatureState`,
  `SignatureStatus`, `signed_change_problems`
- trust: `Trust`, `load_trust`, `save_trust`
- bytes: `signed_bytes`, `content_hash`
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "content_hash": "content",
    "signed_bytes": "payload",
    "Signer": "identity",
    "SigningIdentity": "identity",
    "SigningError": "identity",
    "NEED_CERTIFICATE": "identity",
    "sign_off": "signoff",
    "signing_options": "signoff",
    "signature_states": "signoff",
    "signed_change_problems": "signoff",
    "SignatureState": "signoff",
    "SignatureStatus": "signoff",
    "SigningOption": "signoff",
    "Trust": "trust",
    "load_trust": "trust",
    "save_trust": "trust",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lcc_apr.signing' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
