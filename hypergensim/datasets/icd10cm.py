"""The ICD-10-CM tabular list (CMS's ``icd10cm_tabular_YYYY.xml``) as a hierarchy, 7th-character codes included.

The tabular list is the classification's own structure: 22 chapters, their
blocks of categories (``A00-A09``; some blocks are headings over others, as
``C00-C96`` over ``C00-C75`` over ``C00-C14``), categories (``A00``),
subcategories and codes (``A00.0``).  A ``<sevenChrDef>`` rule gives the
7th characters that the codes below it take (``S00.01`` → ``S00.01XA``
"initial encounter", padded with the placeholder ``X`` to six characters), the
codes that are billed; CMS's code files list them, the XML does not.  This
module reads that file into a :class:`~hypergensim.datasets.Hierarchy` whose
nodes are the codes as the tabular list writes them (with the dot), the blocks
as ``FIRST-LAST`` and the chapters as ``chapter-1`` … ``chapter-22``, each
labelled by its description.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .hierarchy import Hierarchy

__all__ = ["is_icd10cm_tabular", "read_icd10cm_tabular"]

#: The root element of CMS's tabular list.
ROOT_TAG = "ICD10CM.tabular"
#: How far into a file :func:`is_icd10cm_tabular` looks for the root element (past the XML declaration).
_SNIFF_BYTES = 4096
#: A code as the tabular list writes it: a letter, two letters or digits, then up to four after a dot.
_CODE = re.compile(r"[A-Z][0-9A-Z]{2}(\.[0-9A-Z]{1,4})?")
#: The elements the reader keeps (the notes, inclusion terms and excludes are left out).
_STRUCTURE = {"chapter", "section", "diag", "sevenChrDef", "notes"}
#: Where each element of the tree may stand; anywhere else it is an error, never a node silently left out.
_PLACES = {"chapter": (ROOT_TAG,), "section": ("chapter",), "diag": ("section", "diag"), "sevenChrDef": ("diag",)}
_TEXT = {"name", "desc", "extension", "note"}
#: A category's note that takes 7th characters away from some of its codes (S06's, the one in the 2026 list):
#: "7th characters D and S do not apply to codes in category S06 with 6th character 7 - ..., or 8 - ...".
_EXCEPTION = re.compile(r"7th characters? ((?:[0-9A-Z](?:,? and |, | or )?)+) do(?:es)? not apply to codes in "
                        r"category ([A-Z][0-9A-Z]{2}) with 6th characters? (.*)$")


def is_icd10cm_tabular(path: str | Path) -> bool:
    """Whether ``path`` is CMS's ICD-10-CM tabular list: an ``.xml`` file whose root element is
    ``<ICD10CM.tabular>``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "icd10cm_tabular_2026.xml"
    >>> _ = p.write_text('<?xml version="1.0"?>\\n<ICD10CM.tabular><version>2026</version></ICD10CM.tabular>')
    >>> is_icd10cm_tabular(p)
    True
    """
    path = Path(path)
    if path.suffix.lower() != ".xml" or not path.is_file():
        return False
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    return b"<" + ROOT_TAG.encode() in head


@dataclass
class _Element:
    """A kept element of the file: its tag, its line, its attributes, its text and its kept children."""

    tag: str
    line: int
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)
    children: list[_Element] = field(default_factory=list)

    def child_text(self, tag: str) -> str | None:
        """The text of the first child ``tag`` (spaces collapsed), None without one."""
        for child in self.children:
            if child.tag == tag:
                return " ".join("".join(child.text).split())
        return None

    def child_line(self, tag: str) -> int:
        """The line of the first child ``tag`` (where its value is), else this element's own line."""
        return next((child.line for child in self.children if child.tag == tag), self.line)

    def kept(self, tag: str) -> list[_Element]:
        return [child for child in self.children if child.tag == tag]


def _parse(path: Path) -> _Element:
    """The file's root with the elements of :data:`_STRUCTURE` and :data:`_TEXT` below it, each with its line.

    A document type declaration or an entity declaration is refused (the
    tabular list has none; an entity can expand without bound), as is XML that
    is not well-formed, each naming the line.
    """
    parser = xml.parsers.expat.ParserCreate()
    root: list[_Element] = []
    stack: list[_Element | None] = []  # every open element; None for the ones not kept
    open_tags: list[str] = []  # their tags

    def refuse(*_args: object) -> None:
        raise InputError("a document type or entity declaration: the ICD-10-CM tabular list has none, and none "
                         "is read", path=path, line=parser.CurrentLineNumber)

    def start(tag: str, attrs: dict[str, str]) -> None:
        parent = stack[-1] if stack else None
        if stack and tag in _PLACES and (parent is None or parent.tag not in _PLACES[tag]):
            where = " or ".join(f"<{p}>" for p in _PLACES[tag])
            raise InputError(f"a <{tag}> belongs in {where}, not in <{open_tags[-1]}>", path=path,
                             line=parser.CurrentLineNumber)
        open_tags.append(tag)
        if not stack:
            if tag != ROOT_TAG:
                raise InputError(f"the root element is <{tag}>, not <{ROOT_TAG}> (CMS's ICD-10-CM tabular list)",
                                 path=path, line=parser.CurrentLineNumber)
            element = _Element(tag, parser.CurrentLineNumber, attrs)
            root.append(element)
        elif parent is not None and parent.tag != "extension" and (
                tag in _STRUCTURE or (tag in _TEXT and parent.tag != ROOT_TAG)):
            element = _Element(tag, parser.CurrentLineNumber, attrs)
            parent.children.append(element)
        else:
            element = None
        stack.append(element)

    def end(_tag: str) -> None:
        stack.pop()
        open_tags.pop()

    def text(data: str) -> None:
        if stack and stack[-1] is not None and stack[-1].tag in _TEXT:
            stack[-1].text.append(data)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        with path.open("rb") as f:
            parser.ParseFile(f)
    except xml.parsers.expat.ExpatError as exc:
        raise InputError(f"not well-formed XML ({xml.parsers.expat.ErrorString(exc.code)}, column "
                         f"{exc.offset + 1})", path=path, line=exc.lineno) from None
    return root[0]


def _need_text(element: _Element, tag: str, path: Path) -> str:
    value = element.child_text(tag)
    if not value:
        raise InputError(f"<{element.tag}> without a <{tag}>", path=path, line=element.line)
    return value


def read_icd10cm_tabular(path: str | Path, *, seventh_characters: bool = True,
                         name: str | None = None) -> Hierarchy:
    """Hierarchy of CMS's ICD-10-CM tabular list: chapters, blocks, categories, subcategories and codes.

    * each chapter is ``chapter-N`` (``chapter-1`` … ``chapter-22``), labelled
      by its description, which ends with its range ``(A00-B99)``;
    * each block is ``FIRST-LAST`` (``A00-A09``; a block of one category,
      written ``B10`` in the file, is ``B10-B10``, as ``B10`` is the
      category), under its chapter or under the smallest heading block that
      spans it (a block with no categories of its own, such as ``C00-C96``);
    * each category, subcategory and code is named as the file writes it
      (``A00``, ``A00.0``), under its block or the code it extends;
    * with ``seventh_characters`` (the default), each code with no code
      below it that a ``<sevenChrDef>`` covers (its own, or the nearest
      above it) has one child per 7th character: the code padded with ``X`` to
      six characters, then the character (``T07`` → ``T07.XXXA``, labelled
      "Unspecified multiple injuries, initial encounter").  Without them the
      hierarchy stops at the codes the XML names.

    Notes, inclusion terms and excludes are left out.  An element without the
    name or description it needs, a code given twice or not under the code it
    extends, a heading block whose range names no category, a 7th character
    that is not one letter or digit, and a document type or entity declaration
    raise :class:`InputError` naming the line.

    Parameters
    ----------
    path : str or Path
        CMS's ``icd10cm_tabular_YYYY.xml`` (the "Tabular List" in the yearly ICD-10-CM release).
    seventh_characters : bool
        Add the 7th-character codes the file's rules define (the codes that are billed).
    name : str, optional
        The hierarchy's name (default: the file's stem).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "icd10cm_tabular_2026.xml"
    >>> _ = p.write_text('''<?xml version="1.0" encoding="utf-8"?>
    ... <ICD10CM.tabular>
    ...   <chapter><name>19</name><desc>Injury, poisoning (S00-T88)</desc>
    ...     <section id="T07-T07"><desc>Injuries involving multiple body regions (T07)</desc>
    ...       <diag><name>T07</name><desc>Unspecified multiple injuries</desc>
    ...         <sevenChrDef><extension char="A">initial encounter</extension>
    ...                      <extension char="S">sequela</extension></sevenChrDef>
    ...       </diag>
    ...     </section>
    ...   </chapter>
    ... </ICD10CM.tabular>''')
    >>> h = read_icd10cm_tabular(p)
    >>> sorted(h.ancestors("T07.XXXA"))
    ['T07', 'T07-T07', 'chapter-19']
    >>> h.labels["T07.XXXS"]
    'Unspecified multiple injuries, sequela'
    """
    path = Path(path)
    root = _parse(path)
    edges: list[tuple[str, str]] = []
    labels: dict[str, str] = {}
    lines: dict[str, int] = {}  # node -> the line that names it

    def add(node: str, parent: str | None, label: str, line: int) -> None:
        if node in lines:
            raise InputError(f"{node} is given twice (line {lines[node]} gives it too)", path=path, line=line,
                             value=node)
        lines[node] = line
        labels[node] = label
        if parent is not None:
            edges.append((node, parent))

    chapters = root.kept("chapter")
    if not chapters:
        raise InputError(f"no <chapter> in <{ROOT_TAG}>", path=path, line=root.line)
    n_blocks = n_codes = n_seventh = n_withheld = 0
    not_understood: list[int] = []  # lines of notes on 7th characters that _withheld cannot read
    for chapter in chapters:
        number = _need_text(chapter, "name", path)
        description = _need_text(chapter, "desc", path)
        if not number.isdigit():
            raise InputError("a chapter's <name> is its number", path=path, line=chapter.child_line("name"),
                             value=number)
        chapter_key = f"chapter-{int(number)}"
        add(chapter_key, None, description, chapter.child_line("name"))
        category_position: dict[str, int] = {}  # category -> its place in the chapter, in the file's order
        spans: list[tuple[str, int, int, _Element]] = []  # block key, first and last place, element
        headings: list[_Element] = []
        for section in chapter.kept("section"):
            block = _block_key(section, path)
            add(block, None, _need_text(section, "desc", path), section.line)
            n_blocks += 1
            categories = section.kept("diag")
            if not categories:
                headings.append(section)
                continue
            for category in categories:
                category_position[_need_code(category, path)] = len(category_position)
            first = category_position[_need_code(categories[0], path)]
            spans.append((block, first, len(category_position) - 1, section))
        heading_spans = []
        for section in headings:
            block = _block_key(section, path)
            ends = []
            for end in block.split("-"):
                if end not in category_position:
                    raise InputError(f"the heading block {block} has no categories of its own, and its range "
                                     f"names {end}, which is no category of chapter {number}", path=path,
                                     line=section.line, value=block)
                ends.append(category_position[end])
            heading_spans.append((block, ends[0], ends[1], section))
        for block, low, high, _ in heading_spans + spans:
            around = [(h_high - h_low, key) for key, h_low, h_high, _ in heading_spans
                      if key != block and h_low <= low and high <= h_high
                      and (h_low, h_high) != (low, high)]
            edges.append((block, min(around)[1] if around else chapter_key))
        for block, _, _, section in spans:
            for category in section.kept("diag"):
                stack: list[tuple[_Element, str, _Element | None, dict[str, set[str]]]] = [
                    (category, block, None, {})]
                while stack:
                    diag, parent, rule, withheld = stack.pop()
                    code = _need_code(diag, path)
                    add(code, parent, _need_text(diag, "desc", path), diag.child_line("name"))
                    n_codes += 1
                    rules = diag.kept("sevenChrDef")
                    rule = rules[0] if rules else rule
                    withheld = _withheld(diag, code, withheld, not_understood)
                    below = diag.kept("diag")
                    for child in reversed(below):
                        child_code = _need_code(child, path)
                        if not child_code.startswith(code) or child_code == code:
                            raise InputError(f"{child_code} is under {code} (line {diag.child_line('name')}) but "
                                             "does not extend it", path=path, line=child.child_line("name"),
                                             value=child_code)
                        stack.append((child, code, rule, withheld))
                    if not below and rule is not None and seventh_characters:
                        added, left = _add_seventh(code, labels[code], rule, withheld, add, path,
                                                   diag.child_line("name"))
                        n_seventh += added
                        n_withheld += left
    h = Hierarchy.from_edges(edges, name=name or path.stem, source=path, nodes=list(lines))
    h.meta["source"] = str(path)
    h.labels = labels
    h.meta["read_as"] = (f"the ICD-10-CM tabular list: {len(chapters)} chapters, {n_blocks:,} blocks, "
                         f"{n_codes:,} categories and codes"
                         + (f", {n_seventh:,} 7th-character codes" if seventh_characters
                            else " (7th-character codes left out)")
                         + (f" ({n_withheld:,} withheld by their category's note)" if n_withheld else "")
                         + (f"; notes on 7th characters not applied, its codes all kept: line(s) "
                            f"{', '.join(map(str, not_understood))}" if not_understood and seventh_characters
                            else ""))
    return h


def _withheld(diag: _Element, code: str, above: dict[str, set[str]], not_understood: list[int]
              ) -> dict[str, set[str]]:
    """The 7th characters withheld from codes below ``diag`` by 6th character: ``above``'s, and those of
    ``diag``'s notes (:data:`_EXCEPTION`: S06's "7th characters D and S do not apply to codes in category S06
    with 6th character 7 - ..., or 8 - ..." gives ``{"7": {"D", "S"}, "8": {"D", "S"}}``).  A note on 7th
    characters that says "not apply" in other words is not guessed at: its line goes to ``not_understood``."""
    withheld = above
    for notes in diag.kept("notes"):
        for note in notes.kept("note"):
            text = " ".join("".join(note.text).split())
            match = _EXCEPTION.search(text)
            if match is None or match.group(2) != code:
                if "7th character" in text and "not apply" in text:
                    not_understood.append(note.line)
                continue
            chars = set(re.findall(r"[0-9A-Z]", match.group(1)))
            sixth = re.findall(r"(?:^|, or |, | or )([0-9A-Z]) - ", match.group(3))
            if not sixth:
                not_understood.append(note.line)
                continue
            withheld = {k: set(v) for k, v in withheld.items()}
            for position in sixth:
                withheld.setdefault(position, set()).update(chars)
    return withheld


def _block_key(section: _Element, path: Path) -> str:
    """``FIRST-LAST`` of a ``<section id=...>``: its id, or ``B10-B10`` for a block of one category ``B10``."""
    block = section.attrs.get("id", "").strip()
    ends = block.split("-")
    if len(ends) > 2 or not all(re.fullmatch(r"[A-Z][0-9A-Z]{2}", end) for end in ends):
        raise InputError("a <section> id is a range of categories, FIRST-LAST or one category", path=path,
                         line=section.line, value=block)
    return f"{ends[0]}-{ends[-1]}"


def _need_code(diag: _Element, path: Path) -> str:
    code = _need_text(diag, "name", path)
    if not _CODE.fullmatch(code):
        raise InputError("a code is a letter, two letters or digits, then up to four after a dot (A00.0)",
                         path=path, line=diag.child_line("name"), value=code)
    return code


def _add_seventh(code: str, label: str, rule: _Element, withheld: dict[str, set[str]], add, path: Path,
                 line: int) -> tuple[int, int]:
    """Add the 7th-character codes of ``code`` under ``rule`` but those ``withheld`` for its 6th character;
    returns how many were added and how many withheld."""
    bare = code.replace(".", "")
    if len(bare) > 6:
        raise InputError(f"{code} has 7 characters already, and a 7th-character rule (line {rule.line}) covers "
                         "it", path=path, line=line, value=code)
    extensions = rule.kept("extension")
    if not extensions:
        raise InputError("a <sevenChrDef> without an <extension>", path=path, line=rule.line)
    skip = withheld.get(bare[5], set()) if len(bare) == 6 else set()
    added = 0
    for extension in extensions:
        char = extension.attrs.get("char", "")
        if not re.fullmatch(r"[0-9A-Z]", char):
            raise InputError("a 7th character is one letter or digit", path=path, line=extension.line, value=char)
        if char in skip:
            continue
        full = bare.ljust(6, "X") + char
        meaning = " ".join("".join(extension.text).split())
        add(f"{full[:3]}.{full[3:]}", code, f"{label}, {meaning}" if meaning else label, extension.line)
        added += 1
    return added, len(extensions) - added
