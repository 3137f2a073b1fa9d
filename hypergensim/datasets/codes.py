"""Code lists whose hierarchy is in the codes: each code under its longest prefix that is also a code.

ICD-10 (``A01.0`` under ``A01``), the ATC classification (``A10BA02`` under
``A10BA`` under ``A10B`` under ``A10`` under ``A``), NAICS and SIC industry
codes, HS tariff codes: such a list holds no parent column, since a code's
parent is written in it.  :func:`read_code_file` reads one code per line, or
a code column beside a description, which becomes the node's label.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .hierarchy import Hierarchy
from .textfile import column_index, column_words, content_lines, detect_delimiter, repeated, splitter

__all__ = ["read_code_file", "prefix_parents"]

#: Words of a column name that mark the code column and the label column of a code list's header.
CODE_WORDS = frozenset({"code", "codes", "id", "key"})
LABEL_WORDS = frozenset({"description", "desc", "title", "label", "name", "text", "term", "meaning"})


def _word_set(cell: str) -> set[str]:
    return set(column_words(cell))


def prefix_parents(codes: list[str]) -> dict[str, str]:
    """Each code's parent: its longest proper prefix that is also a code (codes without one are roots).

    Examples
    --------
    >>> prefix_parents(["A10", "A10B", "A10BA", "A10BA02", "A10BB", "B01"])
    {'A10B': 'A10', 'A10BA': 'A10B', 'A10BA02': 'A10BA', 'A10BB': 'A10B'}
    """
    known = set(codes)
    parents: dict[str, str] = {}
    for code in codes:
        for end in range(len(code) - 1, 0, -1):
            if code[:end] in known:
                parents[code] = code[:end]
                break
    return parents


def _code_list_delimiter(path: Path, first: str) -> str:
    """An edge file's delimiter (:func:`~hypergensim.datasets.textfile.detect_delimiter`), but a space where line
    1 has no TAB, is not a ``.csv`` and its first spaces come before its first comma or semicolon: a code, then a
    description that may hold commas (``A000    Cholera due to Vibrio cholerae 01, biovar cholerae``)."""
    found = detect_delimiter(path, first)
    stripped = first.strip()
    if found in (",", ";") and path.suffix.lower() != ".csv" and " " in stripped and \
            stripped.index(" ") < stripped.index(found):
        return " "
    return found


def read_code_file(path: str | Path, *, code_column: str | int | None = None, header: bool | None = None,
                   delimiter: str | None = None, comment: str | None = None, dedupe: bool = False,
                   name: str | None = None) -> Hierarchy:
    """Hierarchy of a code list: each code under its longest prefix that is also a code (:func:`prefix_parents`).

    The file holds delimited columns (TAB, comma or semicolon, as an edge
    file's are detected), or one code per line with its description, if any,
    after the first spaces.  The code column is
    ``code_column`` (a header name or a number, 1 = the first), else the
    header's column named ``code`` (or ``id``, ``key``), else the first; a
    header column named ``description`` (``title``, ``name``, ``label``, ...),
    or without a header the second of exactly two columns, gives the labels.
    Line 1 is a header when ``header`` says so, or when its code cell is a
    column's name (``code``, ``ICD10 Code``, ``id``, ``description``) that
    begins no other code (in a file of codes and descriptions, a first word
    with a digit is a code: ``A000    Code 0`` is data); anything else is data (a header read as data shows
    as a code without a parent, never as a lost code).  A repeated code, an empty one or one with a TAB
    raises :class:`InputError` naming the line (``dedupe=True`` drops repeats).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "icd.csv"
    >>> _ = p.write_text("code,description\\nA01,Typhoid and paratyphoid fevers\\nA01.0,Typhoid fever\\n"
    ...                  "A01.00,Typhoid fever unspecified\\nA02,Other salmonella infections\\n")
    >>> h = read_code_file(p)
    >>> h.relations(basic=True), h.labels["A01.0"]
    ([('A01.0', 'A01'), ('A01.00', 'A01.0')], 'Typhoid fever')
    """
    path = Path(path)
    rows: list[tuple[int, list[str]]] = []
    texts: dict[int, str] = {}  # the line as written, for errors
    split = None
    spaced = False  # no delimiter: a code, then its description after the first spaces
    for number, text in content_lines(path, comment):
        if split is None:
            found = delimiter or _code_list_delimiter(path, text)
            # no TAB, comma or semicolon: the code, then its description after the first spaces (CMS's ICD-10-CM
            # code files: 'A000    Cholera due to Vibrio cholerae 01, biovar cholerae')
            spaced = found == " "
            split = (lambda line: (line.split(None, 1) + [""])[:2]) if spaced else splitter(found)
        rows.append((number, [cell.strip() for cell in split(text)]))
        texts[number] = text
    if not rows:
        raise InputError("file is empty (no codes)", path=path)
    width = len(rows[0][1])
    first = rows[0][1]
    by_number = code_column is not None and str(code_column).strip().isdigit()
    if header is None and code_column is not None and not by_number:
        header = True  # a code column given by name implies a header
    if header is None:
        code_at = int(str(code_column).strip()) - 1 if by_number else 0 if spaced else next(
            (i for i, c in enumerate(first) if _word_set(c) & CODE_WORDS), 0)
        cell = first[code_at] if 0 <= code_at < width else ""
        named = _word_set(texts[rows[0][0]] if spaced else cell)  # a spaced header's name may hold spaces: 'ICD Code'
        # a spaced line whose first word holds a digit is a code and its description ('A000    Code 0'), however
        # its description reads
        header = bool(named & (CODE_WORDS | LABEL_WORDS)) and not (spaced and any(c.isdigit() for c in cell)) \
            and not any(cells[code_at].startswith(cell) for _, cells in rows[1:] if len(cells) > code_at)
    names = first if header else None
    if code_column is not None:
        code_at = column_index(code_column, names, path, "code")
    elif spaced:
        code_at = 0
    elif names is not None:
        code_at = next((i for i, c in enumerate(names) if _word_set(c) & CODE_WORDS), 0)
    else:
        code_at = 0
    if spaced:
        label_at = 1 if code_at == 0 else None
    elif names is not None:
        label_at = next((i for i, c in enumerate(names) if i != code_at and _word_set(c) & LABEL_WORDS), None)
    else:
        label_at = 1 - code_at if width == 2 and code_at in (0, 1) else None
    if code_at >= width:
        raise InputError(f"column {code_at + 1} does not exist: line {rows[0][0]} has {width} columns", path=path,
                         line=rows[0][0])
    line_of: dict[str, int] = {}
    labels: dict[str, str] = {}
    repeats = 0
    for number, cells in rows[1:] if header else rows:
        if len(cells) != width:
            raise InputError(f"expected {width} columns, found {len(cells)}", path=path, line=number,
                             value=texts[number])
        code = cells[code_at]
        if not code or "\t" in code:
            raise InputError("a code must be non-empty and hold no TAB", path=path, line=number, value=code)
        if code in line_of:
            if dedupe:
                repeats += 1
                continue
            raise repeated("code", line_of[code], path=path, line=number, value=code)
        line_of[code] = number
        if label_at is not None and cells[label_at]:
            labels[code] = cells[label_at]
    codes = list(line_of)
    parents = prefix_parents(codes)
    h = Hierarchy.from_edges(parents.items(), name=name or path.stem, source=path, nodes=codes)
    h.meta["source"] = str(path)
    h.labels = labels
    roots = len(codes) - len(parents)
    h.meta["read_as"] = (f"codes, each under its longest prefix that is a code ({len(codes):,} codes, {roots:,} "
                         f"without one); code = column {code_at + 1}"
                         + (f" {names[code_at]!r}" if names else "")
                         + (f", labels = column {label_at + 1}" + (f" {names[label_at]!r}" if names else "")
                            if label_at is not None else "")
                         + (f"; line 1 is a header ({', '.join(repr(c) for c in names)})" if names else "")
                         + (f"; {repeats:,} repeated codes dropped" if repeats else "")
                         + ("; most codes have no prefix here, as in a list of billable codes without their "
                            "categories (ICD-10-CM's whole tree: its tabular list, icd10cm_tabular_YYYY.xml)"
                            if len(codes) >= 20 and roots > len(codes) / 2 else ""))
    return h
