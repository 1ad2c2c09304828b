"""Signing: what a signature covers (content), personal keys and certificates, sign-off."""
