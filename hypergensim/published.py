"""Published numbers, stored once as package data (``hypergensim/specs/published.toml``) and looked up here.

Specs compare against them (``[reference] published = "nickel2017"``), and so
does the demo; nothing else spells a published number.

Examples
--------
>>> lookup("nickel2017", dataset="mammals", task="reconstruction", dim=5)[0]["map"]
0.927
>>> citation("nickel2017").split(",")[0]
'Nickel & Kiela (2017)'
"""

from __future__ import annotations

import functools
import sys
from importlib import resources
from typing import Any

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["sources", "citation", "lookup"]


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = resources.files("hypergensim").joinpath("specs", "published.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def sources() -> list[str]:
    """The sources that have published numbers (e.g. ``nickel2017``)."""
    return sorted(_table())


def _source(name: str) -> dict[str, Any]:
    try:
        return _table()[name]
    except KeyError:
        raise ConfigError(f"no published numbers for {name!r} (known: {', '.join(sources())})") from None


def citation(source: str) -> str:
    """The paper and table the numbers of ``source`` come from."""
    return str(_source(source)["citation"])


def lookup(source: str, **match: Any) -> list[dict[str, Any]]:
    """Rows of ``source`` whose fields equal every given ``match`` value (copies; a row lacking a field matches)."""
    return [dict(row) for row in _source(source)["results"]
            if all(row.get(k, v) == v for k, v in match.items())]
