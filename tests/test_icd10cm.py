"""Tests for hypergensim.datasets.icd10cm: CMS's ICD-10-CM tabular list, its blocks, codes and 7th characters."""

from __future__ import annotations

import pytest

from conftest import assert_clean_error, run_cli
from hypergensim.datasets import load_hierarchy, read_hierarchy_file, read_icd10cm_tabular, resolve_relations
from hypergensim.datasets.icd10cm import is_icd10cm_tabular
from hypergensim.errors import InputError

#: An excerpt in the layout of CMS's icd10cm_tabular_2026.xml: a chapter whose heading blocks (no categories of
#: their own) span the blocks after them, a block of one category (B10), a category out of plain order (C4A in
#: C43-C44), a 7th-character rule overridden lower down, and S06's note withholding D and S from 6th character 7.
TABULAR = """\
<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular>
  <version>2026</version>
  <introduction>
    <introSection type="title"><title>ICD-10-CM TABULAR LIST of DISEASES and INJURIES</title></introSection>
  </introduction>
  <chapter>
    <name>1</name>
    <desc>Certain infectious and parasitic diseases (A00-B99)</desc>
    <sectionIndex><sectionRef first="B10" last="B10" id="B10">Other human herpesviruses</sectionRef></sectionIndex>
    <section id="B10">
      <desc>Other human herpesviruses (B10)</desc>
      <diag>
        <name>B10</name>
        <desc>Other human herpesviruses</desc>
        <inclusionTerm><note>not a code</note></inclusionTerm>
        <diag><name>B10.0</name><desc>Other human herpesvirus encephalitis</desc>
          <diag><name>B10.01</name><desc>Human herpesvirus 6 encephalitis</desc></diag>
        </diag>
      </diag>
    </section>
  </chapter>
  <chapter>
    <name>2</name>
    <desc>Neoplasms (C00-D49)</desc>
    <section id="C00-C96"><desc>Malignant neoplasms (C00-C96)</desc></section>
    <section id="C00-C75"><desc>Malignant neoplasms of specified sites (C00-C75)</desc></section>
    <section id="C00-C14">
      <desc>Malignant neoplasms of lip, oral cavity and pharynx (C00-C14)</desc>
      <diag><name>C00</name><desc>Malignant neoplasm of lip</desc></diag>
    </section>
    <section id="C43-C44">
      <desc>Melanoma and other malignant neoplasms of skin (C43-C44)</desc>
      <diag><name>C43</name><desc>Malignant melanoma of skin</desc></diag>
      <diag><name>C4A</name><desc>Merkel cell carcinoma</desc></diag>
      <diag><name>C75</name><desc>Malignant neoplasm of other endocrine glands</desc></diag>
    </section>
    <section id="C7A-C7A">
      <desc>Malignant neuroendocrine tumors (C7A)</desc>
      <diag><name>C7A</name><desc>Malignant neuroendocrine tumors</desc></diag>
    </section>
    <section id="C81-C96">
      <desc>Malignant neoplasms of lymphoid tissue (C81-C96)</desc>
      <diag><name>C96</name><desc>Other malignant neoplasms of lymphoid tissue</desc></diag>
    </section>
  </chapter>
  <chapter>
    <name>19</name>
    <desc>Injury, poisoning and certain other consequences of external causes (S00-T88)</desc>
    <section id="S00-S09">
      <desc>Injuries to the head (S00-S09)</desc>
      <diag>
        <name>S06</name>
        <desc>Intracranial injury</desc>
        <sevenChrNote><note>The appropriate 7th character is to be added to each code from category S06</note></sevenChrNote>
        <sevenChrDef>
          <extension char="A">initial encounter</extension>
          <extension char="D">subsequent encounter</extension>
          <extension char="S">sequela</extension>
        </sevenChrDef>
        <notes>
          <note>7th characters D and S do not apply to codes in category S06 with 6th character 7 - death due to
            brain injury prior to regaining consciousness, or 8 - death due to other cause.</note>
        </notes>
        <diag><name>S06.0</name><desc>Concussion</desc>
          <diag><name>S06.0X1</name><desc>Concussion with loss of consciousness of 30 minutes or less</desc></diag>
          <diag><name>S06.0X7</name><desc>Concussion with loss of consciousness with death due to brain injury</desc></diag>
        </diag>
      </diag>
    </section>
    <section id="S50-S59">
      <desc>Injuries to the elbow and forearm (S50-S59)</desc>
      <diag>
        <name>S52</name>
        <desc>Fracture of forearm</desc>
        <sevenChrDef>
          <extension char="A">initial encounter for closed fracture</extension>
          <extension char="S">sequela</extension>
        </sevenChrDef>
        <diag><name>S52.0</name><desc>Fracture of upper end of ulna</desc>
          <diag><name>S52.01</name><desc>Torus fracture of upper end of ulna</desc>
            <sevenChrDef>
              <extension char="A">initial encounter for closed fracture</extension>
              <extension char="D">subsequent encounter for fracture with routine healing</extension>
            </sevenChrDef>
            <diag><name>S52.011</name><desc>Torus fracture of upper end of right ulna</desc></diag>
          </diag>
          <diag><name>S52.02</name><desc>Fracture of olecranon process without intraarticular extension of ulna</desc></diag>
        </diag>
      </diag>
    </section>
    <section id="T07-T88"><desc>Injury, poisoning (T07-T88)</desc></section>
    <section id="T07">
      <desc>Injuries involving multiple body regions (T07)</desc>
      <diag>
        <name>T07</name>
        <desc>Unspecified multiple injuries</desc>
        <sevenChrDef><extension char="A">initial encounter</extension></sevenChrDef>
      </diag>
    </section>
    <section id="T88">
      <desc>Other complications of surgical and medical care (T88)</desc>
      <diag><name>T88</name><desc>Other complications of surgical and medical care, not elsewhere classified</desc></diag>
    </section>
  </chapter>
</ICD10CM.tabular>
"""


@pytest.fixture()
def tabular(tmp_path):
    path = tmp_path / "icd10cm_tabular_2026.xml"
    path.write_text(TABULAR)
    return path


def parents(h) -> dict[str, str]:
    names = list(h.nodes)
    return {names[c]: names[p] for c, p in h.basic.tolist()}


def test_chapters_blocks_and_codes_form_the_classifications_tree(tabular):
    h = read_icd10cm_tabular(tabular)
    up = parents(h)
    assert sorted(h.roots) == ["chapter-1", "chapter-19", "chapter-2"]
    # a block of one category is B10-B10, so the category B10 keeps its own name
    assert up["B10-B10"] == "chapter-1" and up["B10"] == "B10-B10" and up["B10.01"] == "B10.0"
    # heading blocks (no categories of their own) hold the blocks their ranges span, the smallest one nearest
    assert up["C00-C96"] == "chapter-2" and up["C00-C75"] == "C00-C96" and up["C00-C14"] == "C00-C75"
    # C43-C44 holds C4A, and the file's order (not the alphabet's) says C43-C44 lies within C00-C75
    assert up["C43-C44"] == "C00-C75" and up["C4A"] == "C43-C44"
    assert up["C7A-C7A"] == "C00-C96" and up["C81-C96"] == "C00-C96"
    assert up["T07-T07"] == "T07-T88" and up["T88-T88"] == "T07-T88" and up["S00-S09"] == "chapter-19"
    assert h.labels["chapter-2"] == "Neoplasms (C00-D49)" and h.labels["C4A"] == "Merkel cell carcinoma"
    assert h.labels["C00-C75"] == "Malignant neoplasms of specified sites (C00-C75)"
    assert "not a code" not in h.labels.values()  # inclusion terms are not nodes or labels


def test_seventh_characters_pad_with_x_follow_the_nearest_rule_and_the_categorys_note(tabular):
    h = read_icd10cm_tabular(tabular)
    up = parents(h)
    assert up["T07.XXXA"] == "T07" and h.labels["T07.XXXA"] == "Unspecified multiple injuries, initial encounter"
    assert {c for c, p in up.items() if p == "S06.0X1"} == {"S06.0X1A", "S06.0X1D", "S06.0X1S"}
    assert {c for c, p in up.items() if p == "S06.0X7"} == {"S06.0X7A"}  # D and S withheld by S06's note
    # S52.01's own rule replaces S52's below it; S52.02 keeps S52's
    assert {c for c, p in up.items() if p == "S52.011"} == {"S52.011A", "S52.011D"}
    assert {c for c, p in up.items() if p == "S52.02"} == {"S52.02XA", "S52.02XS"}
    assert h.labels["S52.011D"] == ("Torus fracture of upper end of right ulna, subsequent encounter for fracture "
                                    "with routine healing")
    # only codes with no code below them take 7th characters, and codes outside a rule take none
    for code in ("S06", "S06.0", "S52", "S52.0", "S52.01"):
        assert all(len(c.replace(".", "")) < 7 for c, p in up.items() if p == code), code
    assert not [c for c in h.nodes if c.startswith(("T88.", "C00.", "C4A."))]
    assert "2 withheld by their category's note" in h.meta["read_as"]


def test_without_seventh_characters_the_tree_stops_at_the_codes_the_file_names(tabular):
    full, short = read_icd10cm_tabular(tabular), read_icd10cm_tabular(tabular, seventh_characters=False)
    assert set(short.nodes) == {n for n in full.nodes if len(n.replace(".", "")) < 7 or "-" in n or "chapter" in n
                                } - {"T07.XXXA"}
    assert "7th-character codes left out" in short.meta["read_as"]
    assert read_hierarchy_file(tabular, seventh_characters=False).n_nodes == short.n_nodes


def test_the_tabular_list_is_recognised_by_its_root_element(tabular, tmp_path):
    assert is_icd10cm_tabular(tabular)
    other = tmp_path / "types.xml"
    other.write_text('<?xml version="1.0"?><mime-info/>')
    assert not is_icd10cm_tabular(other) and not is_icd10cm_tabular(tmp_path / "missing.xml")
    assert load_hierarchy(str(tabular)).n_nodes == read_icd10cm_tabular(tabular).n_nodes
    relations = resolve_relations(str(tabular))  # a whole hierarchy: training takes its closure
    assert ("S52.011A", "chapter-19") in relations.pairs and relations.labels["B10"] == "Other human herpesviruses"
    assert "(its closure)" in relations.read_as


def _broken(tmp_path, old: str, new: str):
    assert old in TABULAR
    path = tmp_path / "icd10cm_tabular_2026.xml"
    path.write_text(TABULAR.replace(old, new, 1))
    return path


def _line_of(text: str) -> int:
    return TABULAR.splitlines().index(next(line for line in TABULAR.splitlines() if text in line)) + 1


@pytest.mark.parametrize("old, new, message, line_of", [
    ("<name>C43</name>", "<name>C00</name>", "C00 is given twice (line", "<name>C43</name>"),
    ("<name>B10.01</name>", "<name>B11.01</name>", "B11.01 is under B10.0", "<name>B10.01</name>"),
    ("<name>T88</name><desc>Other complications of surgical and medical care, not elsewhere classified</desc>",
     "<name>T88</name>", "<diag> without a <desc>", "<name>T88</name>"),
    ('<section id="T07-T88">', '<section id="T07-T89">', "T07-T89 has no categories of its own, and its range names "
     "T89", '<section id="T07-T88">'),
    ('<extension char="A">initial encounter</extension></sevenChrDef>',
     '<extension char="a1">initial encounter</extension></sevenChrDef>', "a 7th character is one letter or digit",
     '<sevenChrDef><extension char="A">initial encounter</extension></sevenChrDef>'),
    ("<name>S52.011</name>", "<name>S52.0111</name>", "S52.0111 has 7 characters already", "<name>S52.011</name>"),
    ("<name>C00</name>", "<name>C 00</name>", "a code is a letter", "<name>C00</name>"),
    ('<section id="C00-C14">', '<section id="C00-C14-C20">', "a <section> id is a range", '<section id="C00-C14">'),
    ("<name>19</name>", "<name>XIX</name>", "a chapter's <name> is its number", "<name>19</name>"),
    # codes and blocks out of place stop the read, rather than drop out of the tree unseen
    ('<section id="S00-S09">', '<diag><name>S01</name><desc>x</desc></diag><section id="S00-S09">',
     "a <diag> belongs in <section> or <diag>, not in <chapter>", '<section id="S00-S09">'),
    ("<inclusionTerm><note>not a code</note></inclusionTerm>",
     "<inclusionTerm><diag><name>B10.9</name></diag></inclusionTerm>",
     "a <diag> belongs in <section> or <diag>, not in <inclusionTerm>", "<inclusionTerm><note>not a code"),
    ('<section id="T88">', '<section id="T88"><section id="T89"></section>',
     "a <section> belongs in <chapter>, not in <section>", '<section id="T88">'),
])
def test_each_broken_element_is_named_by_its_line(tmp_path, old, new, message, line_of):
    path = _broken(tmp_path, old, new)
    with pytest.raises(InputError) as err:
        read_icd10cm_tabular(path)
    assert message in str(err.value) and err.value.line == _line_of(line_of), str(err.value)


def test_an_entity_declaration_is_refused_before_it_can_expand(tmp_path):
    path = tmp_path / "icd10cm_tabular_2026.xml"
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(9))
    path.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE ICD10CM.tabular [{laughs}]>\n<ICD10CM.tabular>'
                    "<chapter><name>1</name><desc>&l8;</desc></chapter></ICD10CM.tabular>")
    with pytest.raises(InputError, match="document type or entity declaration") as err:
        read_icd10cm_tabular(path)
    assert err.value.line == 2


def test_xml_that_is_not_well_formed_names_its_line(tmp_path):
    path = _broken(tmp_path, "<name>C96</name>", "<name>C96</nam>")
    with pytest.raises(InputError, match=r"not well-formed XML \(mismatched tag") as err:
        read_icd10cm_tabular(path)
    assert err.value.line == _line_of("<name>C96</name>")


def test_another_root_element_or_no_chapter_is_refused(tmp_path):
    path = tmp_path / "other.xml"
    path.write_text('<?xml version="1.0"?>\n<ICD10CM.index><letter/></ICD10CM.index>')
    with pytest.raises(InputError, match=r"the root element is <ICD10CM.index>, not <ICD10CM.tabular>"):
        read_icd10cm_tabular(path)
    path.write_text('<?xml version="1.0"?>\n<ICD10CM.tabular><version>2026</version></ICD10CM.tabular>')
    with pytest.raises(InputError, match="no <chapter>"):
        read_icd10cm_tabular(path)


def test_build_and_train_read_the_tabular_list_with_no_flags(tabular, tmp_path):
    out = tmp_path / "icd.tsv"
    built = run_cli("build", tabular, "-o", out)
    assert built.returncode == 0, built.stderr
    assert "read as the ICD-10-CM tabular list: 3 chapters, 12 blocks, 20 categories and codes" in built.stderr
    rows = {tuple(line.split("\t")) for line in out.read_text().splitlines()}
    assert ("T07.XXXA", "T07-T88") in rows and ("C4A", "C00-C96") in rows
    short = run_cli("build", tabular, "--no-seventh-characters", "-o", tmp_path / "short.tsv")
    assert short.returncode == 0 and "7th-character codes left out" in short.stderr
    assert_clean_error(run_cli("build", tabular, "--delimiter", ",", "-o", tmp_path / "x.tsv"),
                       "icd10cm_tabular_2026.xml", "options ['delimiter'] do not apply to the ICD-10-CM tabular list")
    toy = tmp_path / "edges.tsv"
    toy.write_text("dog\tmammal\n")
    assert_clean_error(run_cli("build", toy, "--no-seventh-characters", "-o", tmp_path / "y.tsv"),
                       "edges.tsv", "applies to the ICD-10-CM tabular list: this file is not one")
    run = tmp_path / "run"
    trained = run_cli("train", tabular, "--out", run, "--dim", "2", "--epochs", "2", "--negative", "2", "--quiet")
    assert trained.returncode == 0, trained.stderr
    assert "read as the ICD-10-CM tabular list" in trained.stderr and "(its closure)" in trained.stderr
    labels = dict(line.split("\t") for line in (run / "labels.tsv").read_text().splitlines()[1:])
    assert labels["S06.0X7A"].endswith("death due to brain injury, initial encounter")


def test_a_spec_reads_the_tabular_list_without_seventh_characters(tabular, tmp_path):
    from hypergensim.experiments import load_spec, sweep

    spec_path = tmp_path / "icd.toml"
    spec_path.write_text(f'[experiment]\nname = "icd"\ndataset = "{tabular}"\ntask = "reconstruction"\n'
                         "[train]\ndim = 2\nepochs = 2\nnegative = 1\nworkers = 1\n"
                         "[read]\nseventh_characters = false\n")
    spec = load_spec(spec_path)
    assert spec.read == {"seventh_characters": False}
    rows = sweep(spec, tmp_path / "out", verbose=False)
    assert rows[0]["n_pairs"] == read_icd10cm_tabular(tabular, seventh_characters=False).n_edges
