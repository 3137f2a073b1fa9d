"""The freedesktop.org MIME type hierarchy (hypergensim.datasets.mime)."""

from __future__ import annotations

import pytest

from hypergensim.datasets import load_hierarchy
from hypergensim.datasets.mime import MIME_XML, mime_hierarchy
from hypergensim.errors import InputError

HEADER = '<?xml version="1.0"?>\n<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">\n'


def test_sub_class_relations_become_a_closed_dag(tmp_path):
    path = tmp_path / "types.xml"
    path.write_text(HEADER + """
  <mime-type type="application/xml"><comment>XML</comment></mime-type>
  <mime-type type="text/plain"/>
  <mime-type type="image/svg+xml"><sub-class-of type="application/xml"/></mime-type>
  <mime-type type="image/x-svg-text"><sub-class-of type="image/svg+xml"/><sub-class-of type="text/plain"/></mime-type>
</mime-info>""")
    h = mime_hierarchy(path)
    assert sorted(h.roots) == ["application/xml", "text/plain"]
    assert sorted(h.ancestors("image/x-svg-text")) == ["application/xml", "image/svg+xml", "text/plain"]
    assert h.summarize().multi_parent_nodes == 1


def test_bad_files_get_one_line_naming_the_file_and_line(tmp_path):
    with pytest.raises(InputError, match="install Debian's shared-mime-info"):
        mime_hierarchy(tmp_path / "absent.xml")
    broken = tmp_path / "broken.xml"
    broken.write_text(HEADER + '  <mime-type type="a/b">\n    <sub-class-of type="c/d">\n</mime-info>\n')
    with pytest.raises(InputError, match=r"broken.xml:5: not valid XML"):
        mime_hierarchy(broken)
    empty = tmp_path / "empty.xml"
    empty.write_text(HEADER + '  <mime-type type="a/b"/>\n</mime-info>\n')
    with pytest.raises(InputError, match="no sub-class-of relations"):
        mime_hierarchy(empty)


@pytest.mark.skipif(not MIME_XML.is_file(), reason="Debian's shared-mime-info is not installed")
def test_the_debian_database_is_a_multi_root_dag():
    s = load_hierarchy("mime").summarize()
    assert s.nodes > 300 and s.roots > 1 and s.multi_parent_nodes > 0 and s.max_depth >= 3
