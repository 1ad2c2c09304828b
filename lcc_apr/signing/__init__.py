"""Signing: what a signature covers, personal keys and certificates, sign-off.

Import what you need from its module; this package imports nothing, so importing
lcc_apr.signing.content stays light:

- content: `content_hash`; payload: `signed_bytes`
- identity: `Signer` (per store: `ready(connection)`, `enrol`, `trust()`),
  `SigningIdentity`, `SigningError`, `NEED_CERTIFICATE`
- signoff: `sign_off`, `signing_options`, `signature_states`, `SignatureState`,
  `SignatureStatus`, `signed_change_problems`
- trust: `Trust`, `load_trust`, `save_trust`; certs: X.509 helpers
"""
