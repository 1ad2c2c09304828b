"""Offline-first sync: the wire protocol (shared with the server) and the client engine."""
