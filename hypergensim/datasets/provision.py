"""Make ``from nltk.corpus import wordnet`` work without ``nltk.download``.

:func:`ensure_wordnet` tries, in order:

1. NLTK's own corpus, if it is already installed;
2. a system WordNet 3.0 database (``$WNSEARCHDIR``, ``$WNHOME/dict``,
   ``/usr/share/wordnet`` from Debian/Ubuntu's ``wordnet-base`` and
   ``wordnet-sense-index``, or Homebrew's ``wordnet``), copied into a private
   NLTK data directory (``~/nltk_data/corpora/wordnet``; NLTK 3.10 refuses
   directories other users can write to) together with the ``lexnames`` file
   Debian does not ship;
3. ``nltk.download("wordnet")``;

and otherwise raises :class:`~hypergensim.errors.DataUnavailableError` listing
the exact packages and commands for each option.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataUnavailableError

__all__ = ["ensure_wordnet", "WordNetInfo", "LEXNAMES", "system_wordnet_dirs"]

#: The standard WordNet ``lexnames`` table (lexicographer file number, name, syntactic category).
LEXNAMES = [
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact",
    "noun.attribute", "noun.body", "noun.cognition", "noun.communication", "noun.event",
    "noun.feeling", "noun.food", "noun.group", "noun.location", "noun.motive", "noun.object",
    "noun.person", "noun.phenomenon", "noun.plant", "noun.possession", "noun.process",
    "noun.quantity", "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time",
    "verb.body", "verb.change", "verb.cognition", "verb.communication", "verb.competition",
    "verb.consumption", "verb.contact", "verb.creation", "verb.emotion", "verb.motion",
    "verb.perception", "verb.possession", "verb.social", "verb.stative", "verb.weather", "adj.ppl",
]
_CATEGORY = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}
_REQUIRED = ("data.noun", "index.noun", "data.verb", "index.verb", "data.adj", "index.adj", "data.adv", "index.adv")


@dataclass(frozen=True)
class WordNetInfo:
    """Where WordNet was found and which version it is.

    Examples
    --------
    >>> info = ensure_wordnet(allow_download=False)  # WordNet as `hypergensim data wordnet` provisioned it
    >>> info.version, info.how in ("nltk", "system", "download")
    ('3.0', True)
    """

    version: str
    path: str
    how: str  # "nltk", "system", or "download"


def lexnames_text() -> str:
    """The 45-line ``lexnames`` file, as WordNet 3.0 ships it."""
    return "".join(f"{i:02d}\t{name}\t{_CATEGORY[name.split('.')[0]]}\n" for i, name in enumerate(LEXNAMES))


def system_wordnet_dirs() -> list[Path]:
    """Candidate system directories holding a WordNet database, in search order."""
    out: list[Path] = []
    if os.environ.get("WNSEARCHDIR"):
        out.append(Path(os.environ["WNSEARCHDIR"]))
    if os.environ.get("WNHOME"):
        out += [Path(os.environ["WNHOME"]) / "dict", Path(os.environ["WNHOME"])]
    out += [
        Path("/usr/share/wordnet"),
        Path("/opt/homebrew/opt/wordnet/dict"),
        Path("/usr/local/opt/wordnet/dict"),
        Path("/usr/local/WordNet-3.0/dict"),
    ]
    return out


def _nltk_search_dirs() -> list[Path]:
    """NLTK's default data directories, computed without importing NLTK (which takes ~1.5 s)."""
    dirs = [Path(p) for p in os.environ.get("NLTK_DATA", "").split(os.pathsep) if p]
    dirs += [private_nltk_dir(), Path.home() / "nltk_data"]
    for prefix in (sys.prefix, sys.base_prefix):
        dirs += [Path(prefix) / "nltk_data", Path(prefix) / "share" / "nltk_data", Path(prefix) / "lib" / "nltk_data"]
    dirs += [Path(p) for p in ("/usr/share/nltk_data", "/usr/local/share/nltk_data", "/usr/lib/nltk_data",
                               "/usr/local/lib/nltk_data")]
    return dirs


def _version_from_data_adj(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for _, line in zip(range(40), fh):
                match = re.search(r"WordNet (\d+(?:\.\d+)?) Copyright", line)
                if match:
                    return match.group(1)
    except OSError:
        return None
    return None


def _nltk_wordnet_version() -> tuple[str, str] | None:
    """Version and path of NLTK's wordnet corpus if NLTK can find it, else None.

    The version is read from the ``data.adj`` header, as NLTK's ``get_version``
    does, without loading the whole reader (which takes seconds).
    """
    for d in _nltk_search_dirs():
        version = _version_from_data_adj(d / "corpora" / "wordnet" / "data.adj")
        if version:
            return version, str(d / "corpora" / "wordnet")
    import nltk

    try:
        root = nltk.data.find("corpora/wordnet")
    except LookupError:
        return None
    try:
        with root.join("data.adj").open() as fh:
            for _, line in zip(range(40), fh):
                text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
                match = re.search(r"WordNet (\d+(?:\.\d+)?) Copyright", text)
                if match:
                    return match.group(1), str(getattr(root, "path", root))
    except (OSError, LookupError):
        return None
    return None


def private_nltk_dir() -> Path:
    """The private NLTK data directory hypergensim installs into (``$HYPERGENSIM_NLTK_DATA`` or ``~/nltk_data``)."""
    return Path(os.environ.get("HYPERGENSIM_NLTK_DATA", Path.home() / "nltk_data"))


def _install_from_system(src: Path, nltk_dir: Path) -> Path:
    target = nltk_dir / "corpora" / "wordnet"
    staging = target.with_name("wordnet.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True, mode=0o755)
    for d in (nltk_dir, nltk_dir / "corpora"):
        d.chmod(d.stat().st_mode & ~(stat.S_IWOTH | stat.S_IWGRP))
    for f in src.iterdir():
        if f.is_file():
            shutil.copyfile(f, staging / f.name)
    if not (staging / "lexnames").exists():
        (staging / "lexnames").write_text(lexnames_text())
    staging.chmod(0o755)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    import nltk

    if str(nltk_dir) not in nltk.data.path:
        nltk.data.path.insert(0, str(nltk_dir))
    return target


def _download_wordnet(*, verbose: bool, timeout: float = 120.0) -> bool:
    """``nltk.download("wordnet")`` in a child process, so its output, socket timeout and failures stay there."""
    code = "import nltk, sys; sys.exit(0 if nltk.download('wordnet', quiet=%r, raise_on_error=False) else 1)" % (
        not verbose)
    try:
        done = subprocess.run([sys.executable, "-c", code], timeout=timeout, check=False,
                              stdout=None if verbose else subprocess.DEVNULL,
                              stderr=None if verbose else subprocess.DEVNULL)
    except (subprocess.TimeoutExpired, OSError):
        return False
    if done.returncode == 0:
        importlib.invalidate_caches()
    return done.returncode == 0


def ensure_wordnet(*, allow_download: bool = True, verbose: bool = False) -> WordNetInfo:
    """Make NLTK's WordNet reader work, installing from a system copy if needed.

    Examples
    --------
    >>> info = ensure_wordnet()  # doctest: +SKIP
    >>> info.version  # doctest: +SKIP
    '3.0'
    """
    found = _nltk_wordnet_version()
    if found:
        return WordNetInfo(found[0], found[1], "nltk")
    tried: list[str] = []
    for src in system_wordnet_dirs():
        if all((src / f).is_file() for f in _REQUIRED):
            nltk_dir = private_nltk_dir()
            target = _install_from_system(src, nltk_dir)
            found = _nltk_wordnet_version()
            if found:
                if verbose:
                    print(f"installed WordNet {found[0]} from {src} into {target}")
                return WordNetInfo(found[0], str(target), "system")
            tried.append(f"{src} (copied to {target} but NLTK could not read it)")
        else:
            tried.append(str(src))
    if allow_download and _download_wordnet(verbose=verbose):
        found = _nltk_wordnet_version()
        if found:
            return WordNetInfo(found[0], found[1], "download")
    raise DataUnavailableError(
        "WordNet is not available. Options: (1) Debian/Ubuntu: 'sudo apt-get install wordnet-base "
        "wordnet-sense-index' then 'hypergensim data wordnet'; (2) macOS: 'brew install wordnet' then "
        "'hypergensim data wordnet'; (3) a WordNet 3.0 'dict' directory: 'WNSEARCHDIR=/path/to/dict "
        "hypergensim data wordnet'; (4) with internet: python -c \"import nltk; nltk.download('wordnet')\". "
        f"Searched: {', '.join(tried)}"
    )
