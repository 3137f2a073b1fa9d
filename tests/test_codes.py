"""Tests for hypergensim.datasets.codes: code lists whose parents are the codes' own prefixes."""

from __future__ import annotations

import pytest

from hypergensim.datasets import read_code_file, read_hierarchy_file, resolve_relations
from hypergensim.datasets.codes import prefix_parents
from hypergensim.errors import InputError

ATC = ('code,description\nA,ALIMENTARY TRACT AND METABOLISM\nA10,DRUGS USED IN DIABETES\n'
       'A10B,"BLOOD GLUCOSE LOWERING DRUGS, EXCL. INSULINS"\nA10BA,Biguanides\nA10BA02,metformin\n'
       'A10BB,Sulfonylureas\nB,BLOOD AND BLOOD FORMING ORGANS\n')
#: CMS's ICD-10-CM code file: the code, spaces, its description (which may hold commas); no dots.
ICD10CM = ("A000    Cholera due to Vibrio cholerae 01, biovar cholerae\nA00     Cholera\n"
           "A0100   Typhoid fever, unspecified\nA010    Typhoid fever\nA01     Typhoid and paratyphoid fevers\n")


def test_each_code_goes_under_its_longest_prefix_that_is_a_code(tmp_path):
    path = tmp_path / "atc.csv"
    path.write_text(ATC)
    h = read_code_file(path)
    assert h.relations(basic=True) == [("A10", "A"), ("A10B", "A10"), ("A10BA", "A10B"), ("A10BA02", "A10BA"),
                                       ("A10BB", "A10B")]
    assert sorted(h.ancestors("A10BA02")) == ["A", "A10", "A10B", "A10BA"] and h.roots == ["A", "B"]
    assert h.labels["A10B"] == "BLOOD GLUCOSE LOWERING DRUGS, EXCL. INSULINS" and len(h.labels) == 7
    assert h.meta["read_as"] == ("codes, each under its longest prefix that is a code (7 codes, 2 without one); "
                                 "code = column 1 'code', labels = column 2 'description'; line 1 is a header "
                                 "('code', 'description')")
    assert prefix_parents(["A01", "A01.0", "A01.00", "A0"]) == {"A01": "A0", "A01.0": "A01", "A01.00": "A01.0"}


def test_cms_icd10cm_lines_and_a_bare_list_of_codes(tmp_path):
    path = tmp_path / "icd10cm_codes.txt"
    path.write_text(ICD10CM)  # line 1 holds a comma, but after the code and its spaces
    h = read_code_file(path)
    assert h.relations(basic=True) == [("A000", "A00"), ("A0100", "A010"), ("A010", "A01")]
    assert h.labels["A000"] == "Cholera due to Vibrio cholerae 01, biovar cholerae"
    bare = tmp_path / "naics.txt"
    bare.write_text("NAICS Code\n11\n111\n1111\n11111\n111110\n21\n")  # a column's name that begins no code
    assert read_code_file(bare).relations(basic=True) == [("111", "11"), ("1111", "111"), ("11111", "1111"),
                                                         ("111110", "11111")]
    assert read_code_file(bare).labels == {} and "21" in read_code_file(bare).nodes


def test_the_code_column_by_name_or_number_and_header_on_request(tmp_path):
    path = tmp_path / "codes.tsv"
    path.write_text("title\tcode\nTyphoid\tA01\nTyphoid fever\tA01.0\n")
    h = read_code_file(path)
    assert h.relations() == [("A01.0", "A01")] and h.labels == {"A01": "Typhoid", "A01.0": "Typhoid fever"}
    assert read_code_file(path, code_column=2, header=True).relations() == h.relations()
    assert read_code_file(path, code_column="code").relations() == h.relations()  # a name implies the header
    assert read_code_file(path, code_column=2).relations() == h.relations()  # a number: line 1 still detected
    plain = tmp_path / "letters.txt"
    plain.write_text("X\nXY\nXYZ\n")  # 'X' begins the others: data, not a header
    assert read_code_file(plain).n_nodes == 3
    plain.write_text("Q\nXY\nXYZ\n")  # 'Q' names no column: data, however lonely
    assert read_code_file(plain).n_nodes == 3 and read_code_file(plain, header=True).n_nodes == 2


def test_a_code_list_is_read_with_prefix_codes_and_trained_on_as_its_closure(tmp_path):
    path = tmp_path / "atc.csv"
    path.write_text(ATC)
    r = resolve_relations(path, prefix_codes=True)
    assert len(r.pairs) == read_code_file(path).n_edges and r.labels["A10BA"] == "Biguanides"
    assert r.read_as.endswith("(its closure)")
    with pytest.raises(InputError, match="cannot tell the child column.*--prefix-codes"):
        read_hierarchy_file(path)  # as an edge file: the error names the option
    with pytest.raises(InputError, match="'parent_column'\\] do not apply to a code list"):
        read_hierarchy_file(path, prefix_codes=True, parent_column=2)


@pytest.mark.parametrize("text, message", [
    ("code,description\nA01,x\nA01,y\n", ":3: code repeated \\(line 2 gives it too\\)"),
    ("code,description\nA01,x\n,y\n", ":3: a code must be non-empty"),
    ("code,description\nA01,x\nA02,y,z\n", ":3: expected 2 columns, found 3"),
    ("", "empty \\(no codes\\)"),
])
def test_bad_code_lists_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "codes.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        read_code_file(path)
    assert "codes.csv" in str(info.value)
    if "repeated" in message:
        assert read_code_file(path, dedupe=True).meta["read_as"].endswith("1 repeated codes dropped")


def test_a_list_of_leaf_codes_alone_says_so_and_where_the_whole_tree_is(tmp_path):
    path = tmp_path / "icd10cm_codes_2026.txt"  # billable codes only: their categories (A00, A01) are not listed
    path.write_text("".join(f"A0{i // 10}{i % 10}    Code {i}\n" for i in range(30)))
    h = read_code_file(path)
    assert len(h.roots) == 30 and "most codes have no prefix here" in h.meta["read_as"]
    assert "icd10cm_tabular_YYYY.xml" in h.meta["read_as"]
    path.write_text(ICD10CM)  # a list with its categories: no such note
    assert "no prefix" not in read_code_file(path).meta["read_as"]
