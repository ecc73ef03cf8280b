"""Which pages and papers are about the recipient (pipeline/identity/resolve.py says how)."""

from pipeline.identity.resolve import Identity, resolve_identity, screen_research

__all__ = ["Identity", "resolve_identity", "screen_research"]
