"""A user's text file, line by line: UTF-8 decoded, with one-line errors for what is not text; its delimiter
and its columns, by header name or number.

Every file reader in :mod:`hypergensim.datasets` reads through :func:`read_text_lines`, so a
gzip file, an Excel workbook or a Latin-1 line gets the same message from each of them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["BINARY_FORMATS", "read_text_lines", "content_lines", "detect_delimiter", "splitter", "column_words", "column_index", "repeated"]

#: The first bytes of files that are not text, and what to do with them.
BINARY_FORMATS = {b"\x1f\x8b": "a gzip file: decompress it first (gunzip)",
                  b"BZh": "a bzip2 file: decompress it first (bunzip2)",
                  b"\xfd7zXZ\x00": "an xz file: decompress it first (unxz)",
                  b"PK\x03\x04": "a zip archive (an Excel workbook is one): save the sheet as CSV, or unzip it",
                  b"PAR1": "a Parquet file: read it with pandas and pass the DataFrame (from_dataframe)",
                  b"\xd0\xcf\x11\xe0": "an old Excel workbook: save the sheet as CSV"}


def read_text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` decoding UTF-8 line by line, naming a bad line."""
    if not path.exists():
        raise InputError("file not found", path=path)
    if path.is_dir():
        raise InputError("expected a file but found a directory", path=path)
    with open(path, "rb") as fh:
        head = fh.read(8)
        for magic, what in BINARY_FORMATS.items():
            if head.startswith(magic):
                raise InputError(f"not a text file but {what}", path=path, line=1, value=magic.decode("latin-1"))
        fh.seek(0)
        for number, raw in enumerate(fh, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = raw[max(0, exc.start - 10) : exc.end + 10]
                raise InputError("bytes that are not UTF-8", path=path, line=number, value=repr(bad)) from None
            if "\x00" in text:
                raise InputError("binary data (NUL byte)", path=path, line=number, value=text[:40])
            if number == 1 and text.startswith("\ufeff"):
                text = text[1:]
            text = text.rstrip("\r\n")
            if "\r" in text:  # a line end of an old Mac file, or a stray one: no reader could split it right
                raise InputError("a carriage return (CR) inside a line: convert the file's line ends to LF or CRLF",
                                 path=path, line=number, value=text[:60])
            yield number, text



def content_lines(path: Path, comment: str | None = None) -> Iterator[tuple[int, str]]:
    """:func:`read_text_lines` without the blank lines and, when ``comment`` is given, the lines that start with
    it (after spaces): what every reader reads."""
    for number, text in read_text_lines(path):
        if text.strip() and not (comment and text.lstrip().startswith(comment)):
            yield number, text


def detect_delimiter(path: Path, first: str) -> str:
    """TAB for ``.tsv``; else the first of TAB, comma and semicolon (a European spreadsheet's CSV) that line 1
    holds, the comma first for ``.csv``; else a comma for ``.csv`` and a space for anything else."""
    suffix = path.suffix.lower()
    if suffix in (".tsv", ".tab"):
        return "\t"
    for delimiter in (",", "\t", ";") if suffix == ".csv" else ("\t", ",", ";"):
        if delimiter in first:
            return delimiter
    return "," if suffix == ".csv" else " "


def splitter(delim: str) -> Any:
    """A function that splits one line into fields (CSV quoting for commas); it knows its ``delimiter``."""
    if delim == " ":
        def split(text: str) -> list[str]:
            return text.split()
    elif delim == ",":
        def split(text: str) -> list[str]:
            return next(csv.reader(io.StringIO(text)))
    else:
        def split(text: str) -> list[str]:
            return text.split(delim)
    split.delimiter = delim  # type: ignore[attr-defined]
    return split


def column_words(cell: str) -> list[str]:
    """A column name's words: ``ParentCode`` and ``parent_code`` both give ``['parent', 'code']``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", cell.strip())
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def column_index(spec: str | int, cells: list[str] | None, path: Path, role: str) -> int:
    """A column given by header name, or by number (1 = the first column)."""
    if cells is not None and isinstance(spec, str):
        lowered = [c.strip().lower() for c in cells]
        if spec.strip().lower() in lowered:
            return lowered.index(spec.strip().lower())
    text = str(spec).strip()
    if text.isdigit() and int(text) >= 1:
        return int(text) - 1
    shown = f"header {cells}" if cells is not None else "a file without a header (give a column number)"
    raise InputError(f"{role} column {spec!r} is not in {shown}", path=path, line=1)


def repeated(what: str, first: int, *, path: Path, line: int, value: object) -> InputError:
    """The error for a line that repeats ``what`` (a path, a code, an ``is_a``) first given on line ``first``."""
    return InputError(f"{what} repeated (line {first} gives it too); remove it ('hypergensim build --dedupe' drops "
                      "repeats)", path=path, line=line, value=value)
