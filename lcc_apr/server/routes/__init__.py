"""Thin routers: parse, call the service modules, answer. No rules live here."""
