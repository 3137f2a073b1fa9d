"""WordNet hierarchies: all nouns, the mammal subtree, any synset's subtree, and verbs.

Rules (WordNet 3.0 through NLTK):

* **nouns** — for every noun synset, an edge to each ancestor reachable over
  ``hypernyms()`` and ``instance_hypernyms()``.  82,115 nodes and 743,241 edges:
  the counts of Nickel & Kiela (2017).  facebookresearch's current
  ``wordnet/transitive_closure.py`` closes each synset over plain hypernyms
  only, so it stops at a plain hypernym that is itself an instance
  (``tisiphone.n.01 → fury.n.04``, an instance of ``mythical_monster.n.01``)
  and yields 743,086 edges; see :func:`facebook_noun_closure_size`.
* **mammals** — facebookresearch's rule: the nodes with ``mammal.n.01`` as an
  ancestor plus ``mammal.n.01`` itself, the closure edges among them, minus the
  edges matched by its ``mammals_filter.txt`` (applied as pandas ``str.match``
  on ``"child ancestor"``; only the two ``^`` patterns can match, dropping the
  edges out of ``tusker.n.01`` and ``female_mammal.n.01``).  1,180 nodes and
  6,540 edges.
* **wordnet:SYNSET** — the same rule as mammals for any root, without a filter.
* **verbs** — the closure over ``hypernyms()`` of all verb synsets.
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import InputError
from .cache import cached
from .hierarchy import Hierarchy
from .provision import ensure_wordnet

__all__ = [
    "wordnet_nouns",
    "wordnet_mammals",
    "wordnet_subtree",
    "wordnet_verbs",
    "wordnet_version",
    "MAMMALS_FILTER",
    "facebook_noun_closure_size",
]

#: facebookresearch's ``wordnet/mammals_filter.txt``, verbatim.
MAMMALS_FILTER = [
    r"\sliving_thing.n.01", r"\sobject.n.01", r"\sorganism.n.01", r"\sanimal.n.01", r"\sentity.n.01",
    r"\sphysical_entity.n.01", r"\swhole.n.02", r"\svertebrate.n.01", r"\schordate.n.01",
    r"\sbeast_of_burden.n.01", r"\swork_animal.n.01", r"\sfemale.n.01", r"\sfissipedia.n.01",
    r"\spup.n.01", r"\sabstraction.n.06", r"\sgroup.n.01", r"^tusker.n.01", r"^female_mammal.n.01",
    r"\scub.n.03", r"\syoung.n.01", r"\syoung_mammal.n.01", r"\sdomestic_animal.n.01", r"\sracer.n.03",
    r"\smale.n.01",
]
LICENSE = "WordNet 3.0 license (Princeton University): free to use, copy, modify and distribute with the notice."


def _wn():
    ensure_wordnet()
    from nltk.corpus import wordnet

    return wordnet


def wordnet_version() -> str:
    """The WordNet version NLTK reads (``"3.0"`` for the Debian and NLTK copies)."""
    return ensure_wordnet().version


def _meta(rule: str) -> dict[str, object]:
    return {"source": "WordNet via NLTK", "wordnet_version": wordnet_version(), "rule": rule, "license": LICENSE}


def _closure_of_pos(pos: str, name: str, with_instances: bool) -> Hierarchy:
    wn = _wn()
    names: list[str] = []
    index: dict[str, int] = {}
    synsets = list(wn.all_synsets(pos))
    for s in synsets:
        index[s.name()] = len(names)
        names.append(s.name())
    edges = set()
    for s in synsets:
        c = index[s.name()]
        for p in s.hypernyms():
            edges.add((c, index[p.name()]))
        if with_instances:
            for p in s.instance_hypernyms():
                edges.add((c, index[p.name()]))
    arr = np.array(sorted(edges), dtype=np.int64).reshape(-1, 2)
    # keep only synsets that take part in some relation
    used = np.zeros(len(names), dtype=bool)
    used[arr.ravel()] = True
    remap = np.cumsum(used) - 1
    kept = [n for n, u in zip(names, used) if u]
    rule = "hypernyms + instance hypernyms" if with_instances else "hypernyms"
    return Hierarchy.from_index_edges(kept, remap[arr], name=name, meta=_meta(f"closure over {rule}"))


def wordnet_nouns(*, use_cache: bool = True) -> Hierarchy:
    """The closure of all noun synsets over hypernyms and instance hypernyms (82,115 nodes, 743,241 edges).

    Examples
    --------
    >>> h = wordnet_nouns()  # doctest: +SKIP
    >>> h.n_nodes, h.n_edges  # doctest: +SKIP
    (82115, 743241)
    """
    return cached("nouns", wordnet_version(), lambda: _closure_of_pos("n", "nouns", True), use_cache=use_cache)


def wordnet_verbs(*, use_cache: bool = True) -> Hierarchy:
    """The closure of all verb synsets over hypernyms."""
    return cached("verbs", wordnet_version(), lambda: _closure_of_pos("v", "verbs", False), use_cache=use_cache)


def _resolve_synset(root: str):
    wn = _wn()
    from nltk.corpus.reader.wordnet import WordNetError

    try:
        return wn.synset(root)
    except (ValueError, LookupError, AttributeError, WordNetError):
        raise InputError("unknown WordNet synset (expected a name like 'animal.n.01')", value=root) from None


def wordnet_subtree(root: str, *, use_cache: bool = True, name: str | None = None) -> Hierarchy:
    """The nodes below ``root`` (and ``root``), with the closure edges among them.

    Examples
    --------
    >>> wordnet_subtree("canine.n.02").n_nodes  # doctest: +SKIP
    160
    """
    synset = _resolve_synset(root)
    full = wordnet_nouns(use_cache=use_cache) if synset.pos() == "n" else wordnet_verbs(use_cache=use_cache)
    key = synset.name()
    if key not in full.index:
        raise InputError("synset has no hypernym relations", value=root)
    below = set(full.descendants(key)) | {key}
    h = full.subset([n for n in full.nodes if n in below], name=name or key)
    h.meta.update(_meta(f"descendants of {key} and {key} itself, closure edges among them"))
    return h


def wordnet_mammals(*, use_cache: bool = True) -> Hierarchy:
    """facebookresearch's mammal closure: 1,180 nodes and 6,540 edges.

    Examples
    --------
    >>> h = wordnet_mammals()  # doctest: +SKIP
    >>> h.n_nodes, h.n_edges  # doctest: +SKIP
    (1180, 6540)
    """

    def build() -> Hierarchy:
        sub = wordnet_subtree("mammal.n.01", use_cache=use_cache, name="mammals")
        pattern = re.compile("(" + "|".join(MAMMALS_FILTER) + ")")
        pairs = [(c, a) for c, a in sub.relations() if not pattern.match(f"{c} {a}")]
        h = Hierarchy.from_edges(pairs, name="mammals")
        h.meta.update(_meta("facebookresearch mammals: descendants of mammal.n.01, closure edges among "
                            "them, minus mammals_filter.txt (drops tusker.n.01 and female_mammal.n.01 edges)"))
        return h

    return cached("mammals", wordnet_version(), build, use_cache=use_cache)


def facebook_noun_closure_size() -> int:
    """Edge count of facebookresearch's current noun script's rule (743,086 on WordNet 3.0)."""
    wn = _wn()
    edges = set()
    for synset in wn.all_synsets(pos="n"):
        for hyper in synset.closure(lambda s: s.hypernyms()):
            edges.add((synset.name(), hyper.name()))
        for instance in synset.instance_hyponyms():
            for hyper in instance.closure(lambda s: s.instance_hypernyms()):
                edges.add((instance.name(), hyper.name()))
                for h in hyper.closure(lambda s: s.hypernyms()):
                    edges.add((instance.name(), h.name()))
    return len(edges)
