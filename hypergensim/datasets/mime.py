"""The freedesktop.org MIME type hierarchy: a real, non-WordNet taxonomy that Debian ships offline.

Debian's ``shared-mime-info`` package installs
``/usr/share/mime/packages/freedesktop.org.xml``: about 850 media types, each
``<mime-type type="...">`` naming its parents with ``<sub-class-of type="..."/>``
(``text/x-csrc`` is a ``text/plain``, ``image/svg+xml`` an ``application/xml``).
It is a small DAG with several roots, unlike WordNet: shallow, and with types
that have two parents.  The dataset name is ``mime``; only types that take part
in a sub-class relation are nodes.

Examples
--------
>>> import tempfile, pathlib
>>> xml = '''<?xml version="1.0"?>
... <mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
...   <mime-type type="text/plain"/>
...   <mime-type type="text/x-csrc"><sub-class-of type="text/plain"/></mime-type>
...   <mime-type type="text/x-chdr"><sub-class-of type="text/x-csrc"/></mime-type>
... </mime-info>'''
>>> path = pathlib.Path(tempfile.mkdtemp()) / "types.xml"
>>> _ = path.write_text(xml)
>>> h = mime_hierarchy(path)
>>> h.n_nodes, h.n_edges, h.roots
(3, 3, ['text/plain'])
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ..errors import InputError
from .hierarchy import Hierarchy

__all__ = ["MIME_XML", "mime_hierarchy"]

#: Where Debian's shared-mime-info puts the freedesktop.org type database.
MIME_XML = Path("/usr/share/mime/packages/freedesktop.org.xml")
_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def mime_hierarchy(path: str | Path = MIME_XML) -> Hierarchy:
    """The sub-class hierarchy of a shared-mime-info XML file, closed (child type → every ancestor type)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("the MIME type database is missing (install Debian's shared-mime-info)", path=path)
    edges: list[tuple[str, str]] = []
    try:
        for _, element in ET.iterparse(path, events=("end",)):
            if element.tag != _NS + "mime-type":
                continue
            child = element.get("type")
            for parent in element.iter(_NS + "sub-class-of"):
                if not child or not parent.get("type"):
                    raise InputError("a mime-type or sub-class-of without a type attribute", path=path,
                                     value=child or "")
                edges.append((child, parent.get("type") or ""))
            element.clear()
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise InputError("not valid XML", path=path, line=line) from None
    if not edges:
        raise InputError("no sub-class-of relations (not a shared-mime-info database?)", path=path)
    return Hierarchy.from_edges(edges, name="mime", source=path,
                                meta={"source": str(path), "kind": "freedesktop.org shared-mime-info"})
