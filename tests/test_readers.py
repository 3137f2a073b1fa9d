"""Tests for hypergensim.datasets.readers: CSV/TSV, pandas, JSON trees, networkx, bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from hypergensim.datasets import (
    from_dataframe,
    from_networkx,
    from_pairs,
    from_tree,
    read_edge_file,
    read_hierarchy_file,
    read_json_tree,
    read_path_file,
    resolve_relations,
)
from hypergensim.errors import InputError


def test_pairs_both_directions():
    a = from_pairs([("dog", "mammal"), ("mammal", "animal")])
    b = from_pairs([("mammal", "dog"), ("animal", "mammal")], direction="parent-child")
    assert set(a.relations()) == set(b.relations()) == {("dog", "mammal"), ("mammal", "animal"), ("dog", "animal")}


def test_facebook_csv_with_weight(tmp_path):
    p = tmp_path / "closure.csv"
    p.write_text("id1,id2,weight\ndog.n.01,canine.n.02,1\ncanine.n.02,mammal.n.01,1\n")
    h = read_edge_file(p)
    assert ("dog.n.01", "mammal.n.01") in h.relations()


def test_header_columns_by_name_in_any_order(tmp_path):
    p = tmp_path / "edges.tsv"
    p.write_text("parent\tweight\tchild\nmammal\t1\tdog\nanimal\t1\tmammal\n")
    h = read_edge_file(p)
    assert set(h.relations()) == {("dog", "mammal"), ("mammal", "animal"), ("dog", "animal")}
    q = tmp_path / "named.csv"
    q.write_text("boss,employee\nceo,cto\ncto,dev\n")
    h2 = read_edge_file(q, header=True, child_column="employee", parent_column="boss")
    assert ("dev", "ceo") in h2.relations()


def test_headerless_with_given_delimiter_and_direction(tmp_path):
    p = tmp_path / "edges.txt"
    p.write_text("animal;mammal\nmammal;dog\n")
    h = read_edge_file(p, delimiter=";", direction="parent-child")
    assert ("dog", "animal") in h.relations()


def test_delimiter_detection_and_blank_and_comment_lines(tmp_path):
    p = tmp_path / "edges.txt"
    p.write_text("\n# comment\ndog\tmammal\n\nmammal\tanimal\n")
    assert read_edge_file(p, comment="#").n_edges == 3


@pytest.mark.parametrize(("name", "text"), [
    ("org.csv", "employee;manager\nann;ceo\ncid;ann\n"),  # a European spreadsheet's CSV
    ("org.txt", "ann;ceo\ncid;ann\n"),
    ("org.csv", "employee\tmanager\nann\tceo\ncid\tann\n"),  # a TSV saved as .csv
    ("org.csv", "name,description,reports_to\nann,sales; east,ceo\ncid,z,ann\n"),  # commas first: ';' in a field
])
def test_the_delimiter_is_the_one_line_1_holds(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    h = read_edge_file(p)
    assert set(h.relations(basic=True)) == {("ann", "ceo"), ("cid", "ann")}


def test_quoted_csv_field_with_comma(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text('child,parent\n"Smith, J.",engineering\nengineering,company\n')
    assert ("Smith, J.", "company") in read_edge_file(p).relations()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"\n\n", "file is empty"),
        (b"a\tb\nc\td\te\n", ":2: expected 2 columns"),
        (b"a\tb\nc\xff\xfe\td\n", ":2: bytes that are not UTF-8"),
        (b"a\tb\nc\x00\td\n", ":2: binary data"),
        (b"a\tb\nx\tx\ty\n", "found 3"),
        (b"only-one-column\n", "at least 2 columns"),
        (b"a\t\n", "empty node name"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path, content, message):
    p = tmp_path / "bad.tsv"
    p.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_edge_file(p)
    assert message in str(info.value)
    assert str(p) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_edge_file(tmp_path / "nope.tsv")


def test_cycle_in_file_names_the_file(tmp_path):
    p = tmp_path / "cyc.tsv"
    p.write_text("a\tb\nb\tc\nc\ta\n")
    with pytest.raises(InputError, match=r"cyc.tsv: the relations contain a cycle \(3 nodes\)"):
        read_edge_file(p)


def test_dataframe_columns():
    df = pd.DataFrame({"parent": ["animal", "mammal"], "child": ["mammal", "dog"]})
    assert ("dog", "animal") in from_dataframe(df).relations()
    df2 = pd.DataFrame({"x": ["animal"], "y": ["mammal"]})
    assert from_dataframe(df2, direction="parent-child").relations() == [("mammal", "animal")]
    with pytest.raises(InputError, match="missing value"):
        from_dataframe(pd.DataFrame({"child": ["a", None], "parent": ["b", "c"]}))


@pytest.mark.parametrize("names", [("parent_code", "code"), ("manager", "employee"), ("ParentId", "Id"),
                                   ("supervisor", "name"), ("target", "source")])
def test_a_dataframes_column_names_give_the_roles_in_either_order(names):
    """Before, only exact names (child, parent, id1, ...) were read; any other pair was taken by position, so a
    frame with its parent column first trained on the hierarchy upside down, without a word."""
    df = pd.DataFrame({names[0]: ["ceo", "ann"], names[1]: ["ann", "cid"]})
    h = from_dataframe(df)
    assert set(h.relations(basic=True)) == {("ann", "ceo"), ("cid", "ann")}
    assert h.meta["read_as"] == f"child = column {names[1]!r}, parent = column {names[0]!r}"


def test_a_dataframe_whose_column_names_do_not_settle_the_roles_stops():
    with pytest.raises(InputError, match=r"cannot tell the child column .* \['category', 'product'\]: pass child="):
        from_dataframe(pd.DataFrame({"category": ["a"], "product": ["b"]}))
    h = from_dataframe(pd.DataFrame({"category": ["a"], "product": ["b"]}), child="product", parent="category")
    assert h.relations() == [("b", "a")]


def test_tree_shapes_agree(tmp_path):
    nested = {"animal": {"mammal": {"dog": ["puppy"], "cat": None}, "bird": ["eagle"]}}
    named = {"name": "animal", "children": [
        {"name": "mammal", "children": [{"name": "dog", "children": [{"name": "puppy"}]}, {"name": "cat"}]},
        {"name": "bird", "children": ["eagle"]},
    ]}
    a, b = from_tree(nested), from_tree(named)
    assert set(a.relations()) == set(b.relations())
    assert a.n_nodes == 7 and a.n_edges == 11
    p = tmp_path / "tree.json"
    p.write_text(json.dumps(nested))
    assert set(read_hierarchy_file(p).relations()) == set(a.relations())


def test_json_errors_name_file_and_line(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"animal": {\n  "dog": [1.5]\n}}')
    with pytest.raises(InputError, match="bad.json.*node names must be non-empty strings"):
        read_json_tree(p)
    q = tmp_path / "broken.json"
    q.write_text('{"animal":\n  {"dog": ]}\n')
    with pytest.raises(InputError, match=r"broken.json:2: invalid JSON"):
        read_json_tree(q)


def test_networkx_digraph():
    nx = pytest.importorskip("networkx")
    g = nx.balanced_tree(2, 2, create_using=nx.DiGraph)
    h = from_networkx(g)
    assert h.n_nodes == 7 and h.n_edges == 10 and h.roots == ["0"]
    with pytest.raises(InputError, match="undirected"):
        from_networkx(nx.Graph([(1, 2)]))


# ---------------------------------------------------------------- headers as real exports write them
CODES = [("A08.0", "A08"), ("A08.1", "A08"), ("A08.11", "A08.1"), ("A08", "A00-B99")]


@pytest.mark.parametrize(("header", "read_as"), [
    ("employee,manager", "child = column 1 'employee', parent = column 2 'manager' (named in the header)"),
    ("ManagerId,EmployeeId", "child = column 2 'EmployeeId', parent = column 1 'ManagerId' (named in the header)"),
    ("name,reports_to", "child = column 1 'name', parent = column 2 'reports_to' (named in the header)"),
    ("employee\tsupervisor", "child = column 1 'employee', parent = column 2 'supervisor' (named in the header)"),
])
def test_an_org_charts_header_is_read_with_the_right_roles(tmp_path, header, read_as):
    staff = [("ann", "ceo"), ("bob", "ceo"), ("cid", "ann")]
    sep = "\t" if "\t" in header else ","
    flipped = header.lower().startswith("manager")
    p = tmp_path / ("org.tsv" if sep == "\t" else "org.csv")
    p.write_text(header + "\n" + "".join(f"{p}{sep}{c}\n" if flipped else f"{c}{sep}{p}\n" for c, p in staff))
    h = read_edge_file(p)
    assert set(h.relations(basic=True)) == set(staff) and h.meta["read_as"] == read_as


@pytest.mark.parametrize(("text", "read_as"), [
    ("code,parent\n" + "".join(f"{c},{p}\n" for c, p in CODES),
     "child = column 1 'code', parent = column 2 'parent' (named in the header)"),
    ("code,parent_code\n" + "".join(f"{c},{p}\n" for c, p in CODES),
     "child = column 1 'code', parent = column 2 'parent_code' (named in the header)"),
    ("parent_code,code\n" + "".join(f"{p},{c}\n" for c, p in CODES),
     "child = column 2 'code', parent = column 1 'parent_code' (named in the header)"),
    ("code,description,parent\n" + "".join(f'{c},"about {c}, really",{p}\n' for c, p in CODES),
     "child = column 1 'code', parent = column 3 'parent' (named in the header)"),
    ("ConceptId\tParentConceptId\n" + "".join(f"{c}\t{p}\n" for c, p in CODES),
     "child = column 1 'ConceptId', parent = column 2 'ParentConceptId' (named in the header)"),
    ("".join(f"{c},{p}\n" for c, p in CODES),
     "child = column 1, parent = column 2 (--direction child-parent, the default)"),
])
def test_real_export_headers_are_read_with_the_right_roles(tmp_path, text, read_as):
    p = tmp_path / ("codes.tsv" if "\t" in text else "codes.csv")
    p.write_text(text)
    h = read_edge_file(p)
    assert set(h.relations(basic=True)) == set(CODES)  # no header edge, nothing inverted, no description edge
    assert h.meta["read_as"] == read_as and read_as in str(h.summarize())


@pytest.mark.parametrize(("text", "options", "message"), [
    ("team,group\nann,bob\ncid,dan\n", {}, "line 1 does not look like a relation"),
    ("team,group\nann,bob\ncid,dan\n", {"header": True}, "cannot tell the child column from the parent"),
    ("node,parent\nparent,root\nleaf,parent\n", {}, "also names a node on line 2"),
    ("code,parent\nA,B\n", {"child_column": "code"}, "give both --child-col and --parent-col"),
    ("code,parent\nA,B\n", {"child_column": "kode", "parent_column": "parent"}, "child column 'kode' is not in"),
])
def test_an_unclear_file_stops_with_the_choices(tmp_path, text, options, message):
    p = tmp_path / "x.csv"
    p.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        read_edge_file(p, **options)
    assert "x.csv" in str(info.value)


def test_columns_by_number_or_name_and_explicit_header(tmp_path):
    p = tmp_path / "org.csv"
    p.write_text("boss,title,employee\nceo,x,cto\ncto,y,dev\n")
    by_number = read_edge_file(p, header=True, child_column=3, parent_column="1")
    by_name = read_edge_file(p, child_column="employee", parent_column="boss")
    assert set(by_number.relations()) == set(by_name.relations()) == {("cto", "ceo"), ("dev", "cto"), ("dev", "ceo")}
    assert by_number.meta["read_as"] == "child = column 3 'employee', parent = column 1 'boss' (as given)"
    q = tmp_path / "plain.csv"
    q.write_text("employee,boss\nann,bob\ncid,dan\n")
    assert ("ann", "bob") in read_edge_file(q, header=False).relations()


def test_hashtag_names_are_nodes_unless_comments_are_asked_for(tmp_path):
    p = tmp_path / "tags.tsv"
    p.write_text("#python\t#programming\n#rust\t#programming\n#go\t#programming\n#programming\t#tech\n")
    h = read_edge_file(p)
    assert set(h.relations(basic=True)) == {("#python", "#programming"), ("#rust", "#programming"),
                                           ("#go", "#programming"), ("#programming", "#tech")}
    q = tmp_path / "commented.tsv"
    q.write_text("# my tags\n#python\t#programming\n")
    assert read_edge_file(q, comment="# ").relations() == [("#python", "#programming")]


def test_a_tab_inside_a_quoted_csv_field_is_refused_and_closures_round_trip(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text('child,parent\n"golden\tretriever",dog\ndog,animal\n')
    with pytest.raises(InputError, match=r"t.csv:2: a node name holds a TAB"):
        read_edge_file(p)
    with pytest.raises(InputError, match="holds a TAB or line break"):
        from_pairs([("a\tb", "c")]).to_tsv(tmp_path / "out.tsv")
    assert not (tmp_path / "out.tsv").exists()
    ok = tmp_path / "ok.csv"
    ok.write_text('child,parent\n"Smith, J. ""Jr""",eng\neng,company\n')
    h = read_edge_file(ok)
    back = read_edge_file(h.to_tsv(tmp_path / "closure.tsv"))
    assert set(back.relations()) == set(h.relations())


@pytest.mark.parametrize(("text", "message"), [
    ('{"root": {"a": ["x"],\n "a": ["y"]}}', r"t.json:2: duplicate key 'a' in one JSON object"),
    ('{"root": {"root": null}}', r"self-loop: a node cannot be its own parent \(at \$.root.root\)"),
    ('{"name": "root", "children": [{"nom": "c"}]}', r"found an object with keys 'nom'"),
    ('{"name": "root", "children": [{"name": "a", "id": 3}]}', r"keys other than 'name' and 'children'.*'id'"),
])
def test_json_trees_are_as_strict_as_csv(tmp_path, text, message):
    p = tmp_path / "t.json"
    p.write_text(text)
    with pytest.raises(InputError, match=message):
        read_json_tree(p)


def test_dataframe_integer_ids_become_text_and_say_so():
    df = pd.DataFrame({"id": [2, 3, 1], "parent": [1, 1, 0]})
    h = from_dataframe(df)
    assert ("2", "1") in h.relations() and "int ids became text" in h.meta["read_as"]
    assert "int ids became text" in str(h.summarize())


GOOGLE_HEAD = "# Google_Product_Taxonomy_Version: 2021-09-21\n"
GOOGLE_LINES = ["Animals & Pet Supplies", "Animals & Pet Supplies > Live Animals",
                "Animals & Pet Supplies > Pet Supplies", "Animals & Pet Supplies > Pet Supplies > Bird Supplies",
                "Apparel & Accessories", "Apparel & Accessories > Clothing Accessories",
                "Apparel & Accessories > Clothing Accessories > Hair Accessories",
                "Apparel & Accessories > Clothing Accessories > Hair Accessories > Hair Pins, Claws & Clips"]


def test_googles_product_taxonomy_reads_as_downloaded_with_or_without_ids(tmp_path):
    plain = tmp_path / "taxonomy.en-US.txt"
    plain.write_text(GOOGLE_HEAD + "".join(line + "\n" for line in GOOGLE_LINES))
    with_ids = tmp_path / "taxonomy-with-ids.en-US.txt"
    with_ids.write_text(GOOGLE_HEAD + "".join(f"{i} - {line}\n" for i, line in enumerate(GOOGLE_LINES, 1)))
    a, b = read_hierarchy_file(plain), read_hierarchy_file(with_ids)
    assert a.nodes == GOOGLE_LINES and b.nodes == [str(i) for i in range(1, 9)]  # a product feed's category ids
    id_of = {line: str(i) for i, line in enumerate(GOOGLE_LINES, 1)}
    assert b.relations() == [(id_of[child], id_of[parent]) for child, parent in a.relations()]  # the same tree
    assert a.n_nodes == 8 and a.roots == ["Animals & Pet Supplies", "Apparel & Accessories"]
    assert sorted(a.ancestors(GOOGLE_LINES[-1])) == sorted(GOOGLE_LINES[5:7] + ["Apparel & Accessories"])
    assert a.meta["read_as"] == ("one path per line, names separated by ' > ' (Google's product taxonomy); "
                                 "each node named by its full path")
    assert b.meta["read_as"].endswith("each node named by the id before its path")
    assert a.labels[GOOGLE_LINES[-1]] == b.labels["8"] == "Hair Pins, Claws & Clips"  # the last name
    plain.write_text("".join(line + "\n" for line in GOOGLE_LINES))  # without its header line: still paths
    assert read_hierarchy_file(plain).relations() == a.relations()


def test_a_path_file_names_each_node_by_its_path_and_implies_unlisted_ancestors(tmp_path):
    f = tmp_path / "shop.txt"
    f.write_text("shop/toys/lego\nshop/shoes\nsale/shoes\n")
    h = read_hierarchy_file(f, path_separator="/")
    assert sorted(h.nodes) == ["sale", "sale/shoes", "shop", "shop/shoes", "shop/toys", "shop/toys/lego"]
    assert h.meta["read_as"].endswith("3 ancestors named only inside longer paths")
    dated = tmp_path / "reports.txt"
    dated.write_text("2024 - reports/q1\n2024 - reports/q1/march\n")  # ids stand before ' > ' paths only
    assert sorted(read_path_file(dated, separator="/").relations(basic=True)) == [
        ("2024 - reports/q1", "2024 - reports"), ("2024 - reports/q1/march", "2024 - reports/q1")]
    assert read_path_file(f, separator=" / ").relations() == [
        (a.replace("/", " / "), b.replace("/", " / ")) for a, b in h.relations()]  # names stripped, joined by SEP
    # training takes the closure of a path file, as of a JSON tree (an edge file is taken as given)
    r = resolve_relations(f, path_separator="/")
    assert set(r.pairs) == set(h.relations()) and r.read_as.endswith("(its closure)")


def test_an_edge_file_is_not_taken_for_a_path_file(tmp_path):
    csv = tmp_path / "edges.csv"
    csv.write_text("child,parent\nA > B,A\n")  # a comma on line 1: an edge file whose names hold ' > '
    assert read_hierarchy_file(csv).relations() == [("A > B", "A")]
    spaced = tmp_path / "edges.txt"
    spaced.write_text("dog mammal\ncat mammal\n")
    assert read_hierarchy_file(spaced).relations() == [("dog", "mammal"), ("cat", "mammal")]
    slashes = tmp_path / "paths.txt"
    slashes.write_text("shop/toys\nshop/toys/lego\n")  # '/' is read only when given, and the error says how
    with pytest.raises(InputError, match="paths.txt:1: .*split at spaces.*--path-separator"):
        read_hierarchy_file(slashes)


@pytest.mark.parametrize("text, options, message", [
    ("A\nA > B\nA > B\n", {}, ":3: path repeated \\(line 2 gives it too\\)"),
    ("A\nA >  > B\n", {}, ":2: an empty name in a path"),
    ("A > B >\n", {}, ":1: an empty name in a path"),
    ("1 - A\n2 - A > B\nA > C\n", {}, ":3: expected 'ID - path'"),
    ("1 - A\n2 - A > B\n2 - A > C\n", {}, ":3: id 2 given twice \\(line 2 gives it to another path\\)"),
    ("1 - A\n2 - A > B\n3 - A > B\n", {"dedupe": True}, ":3: path repeated with another id \\(line 2 gives it id 2"),
    ("1 - A\n3 - A > B > C\n", {}, ":2: the parent path 'A > B' has no line of its own, so no id"),
    ("A/B\n", {"path_separator": "/", "header": True}, "apply to edge files, not to a file of paths"),
    ("A/B\n", {"path_separator": "  "}, "a path separator must hold a character"),
    ("# Google_Product_Taxonomy_Version: 1\n", {}, "empty \\(no paths\\)"),
])
def test_bad_path_files_name_file_and_line(tmp_path, text, options, message):
    f = tmp_path / "tax.txt"
    f.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        read_hierarchy_file(f, **options)
    assert "tax.txt" in str(info.value)


def test_a_repeated_path_is_dropped_with_dedupe_and_counted(tmp_path):
    f = tmp_path / "tax.txt"
    f.write_text("A\nA > B\nA > B\nA\n")
    h = read_hierarchy_file(f, dedupe=True)
    assert h.relations() == [("A > B", "A")] and h.meta["read_as"].endswith("2 repeated lines dropped")


def test_every_kind_of_file_is_told_apart_once_and_an_option_for_another_kind_is_refused(tmp_path):
    """file_kind() is the one decision: the file's own format first, then the options.  ``--prefix-codes`` on a
    JSON tree read it as a code list (1 node, 0 edges, exit 0) and on an OBO file failed on '[Term]' as a
    repeated code; both are refused by name now."""
    from hypergensim.datasets.readers import file_kind, read_whole_hierarchy

    files = {"tree.json": '{"animal": {"dog": {}}}', "go.obo": "format-version: 1.2\n\n[Term]\nid: GO:1\n",
             "tab.xml": "<ICD10CM.tabular><chapter><name>1</name><desc>Infections (A00-B99)</desc>"
                        "<section id='A00-A09'><desc>Intestinal</desc><diag><name>A00</name><desc>Cholera</desc>"
                        "</diag></section></chapter></ICD10CM.tabular>\n", "paths.txt": "Animals\nAnimals > Dogs\n",
             "codes.csv": "A10,diabetes\nA10B,oral\n", "edges.csv": "dog,animal\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    kinds = {name: file_kind(tmp_path / name, {"prefix_codes": name == "codes.csv"}) for name in files}
    assert kinds == {"tree.json": "json", "go.obo": "obo", "tab.xml": "icd10cm", "paths.txt": "paths",
                     "codes.csv": "codes", "edges.csv": "edges"}
    wholes = {name: read_whole_hierarchy(tmp_path / name, prefix_codes=name == "codes.csv", dedupe=False)
              for name in files}  # a switch given as False is not asked for, so no file refuses it
    assert [name for name, tree in wholes.items() if tree is None] == ["edges.csv"]  # its relations as given
    assert wholes["paths.txt"].relations() == read_hierarchy_file(tmp_path / "paths.txt").relations()
    with pytest.raises(InputError, match="obo_relations .* applies to OBO ontologies"):  # sent on, refused there
        read_whole_hierarchy(tmp_path / "edges.csv", obo_relations=["part_of"])
    for name, what in (("tree.json", "a JSON tree"), ("go.obo", "an OBO ontology")):
        with pytest.raises(InputError, match=f"prefix_codes .* applies to a delimited file of codes: this file is "
                                             f"{what}") as err:
            read_hierarchy_file(tmp_path / name, prefix_codes=True)
        assert name in str(err.value)
    with pytest.raises(InputError, match=r"options \['prefix_codes'\] do not apply to the ICD-10-CM tabular list"):
        read_hierarchy_file(tmp_path / "tab.xml", prefix_codes=True)
