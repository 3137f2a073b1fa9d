"""OBO ontologies (the Human Phenotype Ontology, the Gene Ontology, the Disease Ontology, MONDO) as hierarchies.

An ``.obo`` file (format 1.2/1.4) is a header, then stanzas: ``[Term]`` with
its ``id:`` and its ``is_a:`` parents, ``[Typedef]`` for relation types.  The
hierarchy is the ``is_a`` graph of the terms that are not obsolete; each node
is named by its id (``HP:0000118``), as ontologies and their annotations refer
to terms, and labelled by its ``name:`` (:attr:`Hierarchy.labels`).  Other
relations (``relationship: part_of ...``) are left out and counted unless
asked for (the Gene Ontology's hierarchy is often taken as ``is_a`` with
``part_of``); logical definitions (``intersection_of:``) always are.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ..errors import InputError
from .hierarchy import Hierarchy
from .textfile import content_lines, read_text_lines, repeated

__all__ = ["is_obo_file", "read_obo_file"]

#: The header tag OBO files start with.
OBO_HEADER = "format-version:"
#: ``tag: value``; the value ends before `` {qualifiers}`` and `` ! comment`` (see :func:`_value`).
_TAG = re.compile(r"([A-Za-z0-9_-]+):(?:\s(.*))?$")


def is_obo_file(path: str | Path) -> bool:
    """Whether ``path`` is an OBO file: its suffix is ``.obo``, or its first line is ``format-version: ...``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "hp.txt"
    >>> _ = p.write_text("format-version: 1.2\\n\\n[Term]\\nid: HP:0000001\\n")
    >>> is_obo_file(p)
    True
    """
    path = Path(path)
    if path.suffix.lower() == ".obo":
        return True
    first = next(content_lines(path), None)
    return first is not None and first[1].startswith(OBO_HEADER)


def _value(raw: str) -> str:
    """A tag's value without its trailing ``{qualifiers}`` and ``! comment`` (``\\!`` is an escaped ``!``)."""
    text = re.split(r"(?<!\\)\s!", " " + raw, maxsplit=1)[0][1:]
    text = re.sub(r"\s\{[^{}]*\}\s*$", "", text)
    return text.strip()


def read_obo_file(path: str | Path, *, relations: str | tuple[str, ...] | list[str] = (), dedupe: bool = False,
                  name: str | None = None) -> Hierarchy:
    """Hierarchy from an OBO file: the ``is_a`` graph of its terms that are not obsolete, nodes named by id.

    ``relations`` adds the ``relationship:`` lines of those types as parents
    too (``("part_of",)``: a term is under what it is part of); a type the
    file's terms never use raises :class:`InputError` naming the types they
    do, so a typo cannot leave them out silently.

    A term without ``is_a`` is a root (``HP:0000001``), a term named only as a
    parent (an imported term, ``BFO:0000002``) is a node too, and obsolete
    terms (``is_obsolete: true``) are left out.  A stanza without an id or
    with two, an id given twice, a term ``is_a`` itself or an obsolete term,
    and a repeated ``is_a`` line raise :class:`InputError` naming the line
    (``dedupe=True`` drops repeated ``is_a`` lines).  Only
    ``format-version: 1.x`` is read.

    Parameters
    ----------
    path : str or Path
        The ``.obo`` file.
    relations : str or sequence of str
        Relationship types read as parents besides ``is_a`` (``"part_of"``, ``"part_of,regulates"``).
    dedupe : bool
        Drop an ``is_a`` line that repeats one in its stanza instead of stopping.
    name : str, optional
        The hierarchy's name (default: the file's stem).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "hp.obo"
    >>> _ = p.write_text('''format-version: 1.2
    ... [Term]
    ... id: HP:0000001
    ... name: All
    ...
    ... [Term]
    ... id: HP:0000118
    ... name: Phenotypic abnormality
    ... is_a: HP:0000001 ! All
    ...
    ... [Term]
    ... id: HP:0000152
    ... name: Abnormality of head or neck
    ... is_a: HP:0000118 {source="x"} ! Phenotypic abnormality
    ... ''')
    >>> h = read_obo_file(p)
    >>> h.n_nodes, sorted(h.ancestors("HP:0000152"))
    (3, ['HP:0000001', 'HP:0000118'])
    >>> h.labels["HP:0000118"]
    'Phenotypic abnormality'
    """
    path = Path(path)
    items = relations.split(",") if isinstance(relations, str) else relations  # "part_of" is one type, not letters
    wanted = {str(r).strip() for r in items if str(r).strip()} - {"is_a"}
    if any(not re.fullmatch(r"[A-Za-z0-9_:.-]+", r) for r in wanted):
        raise InputError("relationship types are names such as part_of", path=path, value=", ".join(sorted(wanted)))
    used: Counter[str] = Counter()
    terms: dict[str, int] = {}  # id -> line of its id
    labels: dict[str, str] = {}  # id -> its name:
    obsolete: dict[str, int] = {}
    parents: list[tuple[str, str, int]] = []  # (child, parent, line)
    left_out: Counter[str] = Counter()
    repeats = 0
    stanza: str | None = None
    stanza_line = 0
    term: str | None = None
    term_parents: dict[str, int] = {}
    is_obsolete = False

    def close() -> None:
        if stanza != "Term":
            return
        if term is None:
            raise InputError("a [Term] stanza without an id", path=path, line=stanza_line, value="[Term]")
        if is_obsolete:
            obsolete[term] = terms.pop(term)
        else:
            parents.extend((term, parent, line) for parent, line in term_parents.items())

    for number, raw in read_text_lines(path):
        text = raw.strip()
        if not text or text.startswith("!"):
            continue
        if text.startswith("[") and text.endswith("]"):
            close()
            stanza, stanza_line, term, term_parents, is_obsolete = text[1:-1].strip(), number, None, {}, False
            continue
        match = _TAG.match(text)
        if match is None:
            raise InputError("expected 'tag: value' or a [Stanza] line", path=path, line=number, value=raw)
        tag, value = match.group(1), _value(match.group(2) or "")
        if stanza is None:
            if tag == "format-version" and not value.startswith("1."):
                raise InputError("only OBO format 1.x is read", path=path, line=number, value=raw)
            continue  # the header
        if stanza != "Term":
            continue  # [Typedef], [Instance]
        if tag == "id":
            if term is not None:
                raise InputError(f"a second id in the [Term] stanza of line {stanza_line}", path=path, line=number,
                                 value=raw)
            if not value or "\t" in value:
                raise InputError("an id must be non-empty and hold no TAB", path=path, line=number, value=raw)
            if value in terms or value in obsolete:
                first = terms.get(value, obsolete.get(value))
                raise InputError(f"id given twice (line {first} gives it too)", path=path, line=number, value=raw)
            term = value
            terms[term] = number
        elif tag == "is_a":
            if term is None:
                raise InputError("is_a before the stanza's id", path=path, line=number, value=raw)
            if not value or "\t" in value or " " in value:
                raise InputError("is_a must name one id", path=path, line=number, value=raw)
            if value == term:
                raise InputError("self-loop: a term cannot be its own parent", path=path, line=number, value=raw)
            if value in term_parents:
                if not dedupe:
                    raise repeated("is_a", term_parents[value], path=path, line=number, value=raw)
                repeats += 1
                continue
            term_parents[value] = number
        elif tag == "name" and term is not None and value:
            labels[term] = re.sub(r"\\(.)", r"\1", " ".join(value.split()))  # OBO's escapes: \! \{ \\
        elif tag == "is_obsolete":
            is_obsolete = value == "true"
        elif tag == "relationship":
            parts = value.split()
            if len(parts) != 2:
                raise InputError("expected 'relationship: TYPE ID'", path=path, line=number, value=raw)
            kind, target = parts
            if kind not in wanted:
                left_out[f"relationship {kind}"] += 1
                continue
            if term is None:
                raise InputError("relationship before the stanza's id", path=path, line=number, value=raw)
            if target == term:
                raise InputError("self-loop: a term cannot be its own parent", path=path, line=number, value=raw)
            used[kind] += 1
            term_parents.setdefault(target, number)  # is_a and part_of the same term: one edge
        elif tag in ("intersection_of", "union_of"):
            left_out[tag] += 1
    close()
    missing = sorted(wanted - set(used))
    if missing:
        present = sorted({what.split()[1] for what in left_out if what.startswith("relationship ")})
        raise InputError(f"no term has a relationship of type {', '.join(missing)}; the file's types are "
                         f"{', '.join(present) or 'none'}", path=path, value=", ".join(missing))
    if not terms:
        raise InputError("no [Term] stanza with an id" + (" that is not obsolete" if obsolete else ""), path=path)
    for _, parent, line in parents:
        if parent in obsolete:
            raise InputError(f"a parent is an obsolete term (its id is on line {obsolete[parent]})", path=path,
                             line=line, value=parent)
    h = Hierarchy.from_edges(((c, p) for c, p, _ in parents), name=name or path.stem, source=path,
                             nodes=list(terms))
    h.meta["source"] = str(path)
    h.labels = {term: labels[term] for term in terms if term in labels}
    ignored = ", ".join(f"{n:,} {what}" for what, n in sorted(left_out.items()))
    graph = " and ".join(["is_a", *sorted(wanted)])
    h.meta["read_as"] = (f"an OBO ontology: the {graph} graph of its {len(terms):,} terms, each node named by its id"
                         + (f"; {len(obsolete):,} obsolete terms left out" if obsolete else "")
                         + (f"; {h.n_nodes - len(terms):,} terms named only as parents" if h.n_nodes > len(terms)
                            else "")
                         + (f"; left out: {ignored}" if ignored else "")
                         + "".join(f"; {n:,} {kind} relationships" for kind, n in sorted(used.items()))
                         + (f"; {repeats:,} repeated is_a lines dropped" if repeats else ""))
    return h
