"""tsuzuri (綴り): a Jekyll-compatible blog engine for MkDocs + Material.

The package never imports MkDocs; ``hooks/tsuzuri_hooks.py`` adapts it.
"""

__version__ = "0.1.0"
