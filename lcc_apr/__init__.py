"""LCC APR core: domain, local store, demo organisation. Never imports Qt."""

__version__ = "0.1.0"
