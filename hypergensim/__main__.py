"""``python -m hypergensim``: the same command line as the ``hypergensim`` script."""

from .cli import entry_point

entry_point()
