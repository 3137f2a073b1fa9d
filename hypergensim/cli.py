"""The ``hypergensim`` command line: argument parsing and one-line error reporting.

Each subcommand is a thin layer over the library.  Errors that come from the
user's input (:class:`~hypergensim.errors.HypergensimError`, a missing file, a
full disk) print one line, ``hypergensim: error: ...``, and exit with status 2;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__
from .errors import HypergensimError, InputError
from .params import add_cli_flags
from .presets import PRESETS

__all__ = ["main", "build_parser"]

Handler = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Handler] = {}


def _command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _COMMANDS[name] = fn
        return fn

    return register


def _eprint(*args: object) -> None:
    print(*args, file=sys.stderr)


# ----------------------------------------------------------------------- data
@_command("data")
def _cmd_data(args: argparse.Namespace) -> int:
    from .datasets.provision import ensure_wordnet

    info = ensure_wordnet(allow_download=not args.no_download, verbose=True)
    print(f"WordNet {info.version} ready at {info.path} (found via {info.how})")
    return 0


# ---------------------------------------------------------------------- build
@_command("build")
def _cmd_build(args: argparse.Namespace) -> int:
    from .datasets import load_hierarchy, make_split

    options = _file_options(args)
    if args.dedupe:
        options["dedupe"] = True
    if options and not Path(args.dataset).exists():
        raise InputError("file options (--delimiter, --header, columns, --direction, --comment, --path-separator, "
                         "--prefix-codes, --obo-relations, --no-seventh-characters, --dedupe) apply only to files",
                         value=args.dataset)
    h = load_hierarchy(args.dataset, use_cache=not args.no_cache, **options)
    _eprint(h.summarize())
    if args.split:
        split = make_split(h, args.split, seed=args.seed, test_fraction=args.test_fraction,
                           valid_fraction=args.valid_fraction, train_share=args.train_share,
                           remove_root=args.remove_root)
        paths = split.write(args.output)
        counts = split.counts()
        _eprint(f"{args.split} split (seed {args.seed}): " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        _eprint("wrote " + ", ".join(str(p) for p in paths.values()))
    else:
        h.to_tsv(args.output, basic=args.basic)
        _eprint(f"wrote {h.basic.shape[0] if args.basic else h.n_edges:,} relations to {args.output}")
    if args.summary_json:
        from ._atomic import atomic_write_json

        atomic_write_json(args.summary_json, {**h.summarize().as_dict(), "meta": h.meta})
    return 0


def _file_options(args: argparse.Namespace) -> dict[str, Any]:
    """The edge-file reading options given on the command line (build and train share them)."""
    options: dict[str, Any] = {}
    if args.delimiter is not None:
        options["delimiter"] = "\t" if args.delimiter in ("\\t", "tab") else args.delimiter
    for name in ("header", "child_column", "parent_column", "direction", "comment", "path_separator",
                 "prefix_codes", "obo_relations", "seventh_characters"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    return options


def _add_only(p: argparse.ArgumentParser) -> None:
    p.add_argument("--only", metavar="KEY=VALUE[,KEY=VALUE]",
                   help="run only the cells matching every item, e.g. model=poincare,dim=10,task=reconstruction "
                        "(keys: grid keys, task, model, dim, train_share and any training parameter)")


def _add_file_options(p: argparse.ArgumentParser) -> None:
    """How to read an edge file: shared by build and train, so both accept the same files the same way."""
    p.add_argument("--delimiter", help="field separator of an edge file (default: detected; 'tab' for TAB)")
    hdr = p.add_mutually_exclusive_group()
    hdr.add_argument("--header", dest="header", action="store_true", default=None,
                     help="line 1 names the columns (default: detected; an unclear line 1 is an error)")
    hdr.add_argument("--no-header", dest="header", action="store_false", help="line 1 is a relation")
    p.add_argument("--child-col", "--child-column", dest="child_column", metavar="NAME|NUMBER",
                   help="the child column, by header name or number (1 = first)")
    p.add_argument("--parent-col", "--parent-column", dest="parent_column", metavar="NAME|NUMBER",
                   help="the parent/ancestor column, by header name or number (1 = first)")
    p.add_argument("--direction", choices=["child-parent", "parent-child"],
                   help="column order when no header names it (default child-parent)")
    p.add_argument("--comment", metavar="PREFIX",
                   help="skip lines starting with PREFIX (default: none; '#tag' is a node name)")
    p.add_argument("--prefix-codes", action="store_true", default=None,
                   help="the file lists codes whose parent is their longest prefix that is also a code (ICD-10 "
                        "A01.0 under A01, ATC, NAICS): one code per line or a code column (--child-col) beside a "
                        "description, which labels it")
    p.add_argument("--obo-relations", metavar="TYPE[,TYPE]",
                   help="an OBO ontology's relationship types read as parents besides is_a (part_of: the Gene "
                        "Ontology's usual hierarchy)")
    p.add_argument("--no-seventh-characters", dest="seventh_characters", action="store_false", default=None,
                   help="the ICD-10-CM tabular list without the 7th-character codes its rules add (S00.01XA): "
                        "it stops at the codes the XML names")
    p.add_argument("--path-separator", metavar="SEP",
                   help="the file holds one path per line from a root down, names separated by SEP ('/', '::'; "
                        "' > ' is detected, as in Google's product taxonomy): each node is named by its full path")


# ------------------------------------------------------------------- evaluate
@_command("evaluate")
def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluation import evaluate_link_prediction, evaluate_reconstruction
    from .rundir import RunDir
    from .vectors import read_vectors

    by_model: dict[str, Any] = {}
    if RunDir(args.vectors).is_run() and args.task in ("reconstruction", "link-prediction", "f1"):
        from .training import PoincareEmbedding

        emb, by_model = PoincareEmbedding.load(args.vectors).evaluation_input()  # the run's own model
        if args.model is not None and args.model != by_model["model"]:
            raise InputError(f"the run was trained as model={by_model['model']!r}", value=args.model)
    else:
        emb = read_vectors(args.vectors, validate=args.model in (None, "poincare"))
        by_model = {"model": args.model or "poincare"}
        if by_model["model"] in ("lorentz", "translational"):
            raise InputError(f"model={by_model['model']} needs its run directory (hyperboloid coordinates or the "
                             "translation vector are kept there), not an export", value=args.vectors)
    if args.task == "reconstruction":
        from .datasets import resolve_relations
        from .datasets.hierarchy import unclosed_note

        relations = resolve_relations(args.relations or _run_dir_relations(args.vectors))
        note = unclosed_note(relations.pairs, relations.path) if relations.path is not None else None
        if note is not None:  # ranks over links alone read better than the closure's
            _eprint(f"{note}: the ranks are over its relations as given; the papers' reconstruction ranks the "
                    f"closure (hypergensim build {relations.path} -o closure.tsv, then --relations closure.tsv)")
        result = evaluate_reconstruction(emb, relations, symmetric=args.symmetric, sample=args.sample,
                                         random_state=args.seed, skip_missing=args.skip_missing, **by_model)
    elif args.task == "link-prediction":
        if not args.train or not args.test:
            raise InputError("--task link-prediction needs --train FILE and --test FILE")
        result = evaluate_link_prediction(emb, Path(args.train), Path(args.test), sample=args.sample,
                                          random_state=args.seed, skip_missing=args.skip_missing, **by_model)
    elif args.task == "entailment":
        from .evaluation.entailment import evaluate_entailment

        if not args.hyperlex:
            raise InputError("--task entailment needs --hyperlex FILE (hyperlex-all.txt)")
        result = evaluate_entailment(emb, args.hyperlex)
    else:  # f1
        from .datasets import Split
        from .evaluation.classification import evaluate_f1

        run = RunDir(args.vectors)
        if args.split_dir:
            d = Path(args.split_dir)
            parts: list[Any] = [d / Split.file_name(part) for part in RunDir.F1_PARTS]
        elif run.is_run() and run.has_f1_parts():  # an F1 run keeps its own valid and test parts
            parts = [run.path / name for name in RunDir.F1_PARTS.values()]
        else:
            raise InputError("--task f1 needs --split-dir DIR written by 'build --split ganea2018' (or an F1 run)")
        result = evaluate_f1(emb, *parts, score=args.score, **by_model)
    payload = result.as_dict()
    if args.diagnostics:
        from .datasets import load_hierarchy
        from .evaluation.diagnostics import diagnose

        source = args.relations or _run_dir_relations(args.vectors)
        payload["diagnostics"] = diagnose(emb, load_hierarchy(source)).as_dict()
    if args.json:
        print(json.dumps(payload))
    else:
        print(result)
        for key, value in payload.get("diagnostics", {}).items():
            print(f"{key:<20}  {value}")
    return 0


def _run_dir_relations(vectors: str) -> str:
    """The training relations of a run directory (what ``evaluate RUN_DIR`` reconstructs by default)."""
    from .rundir import RunDir

    run = RunDir(vectors)
    if run.is_run() and run.relations_path.is_file():
        return str(run.relations_path)
    raise InputError("--relations FILE is required (VECTORS is not a training run directory)", value=vectors)


# ---------------------------------------------------------------------- train
def _console_logging(*, quiet: bool) -> None:
    """hypergensim's own progress on stderr at INFO (WARNING with ``quiet``); other libraries' (gensim's
    "lifecycle event" and "saved ..." lines on every checkpoint) only from WARNING."""
    import logging

    level = logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("hypergensim").setLevel(level)
    for handler in logging.getLogger().handlers:  # a run raises its logger to INFO for train.log; keep --quiet quiet
        handler.setLevel(level)


@_command("train")
def _cmd_train(args: argparse.Namespace) -> int:
    from . import pipeline
    from .params import cli_values

    _console_logging(quiet=args.quiet)
    progress = {"evaluate_every": args.eval_every, "evaluate_sample": args.eval_sample,
                "verbose": 0 if args.quiet else 1}
    if args.resume:
        if args.data:
            raise InputError("give either DATA with --out, or --resume RUN_DIR")
        result = pipeline.resume(args.resume, epochs=args.epochs, time_budget=args.time_budget,
                                 trust_pickle=args.trust_pickle, **progress)
        run_dir = args.resume
    else:
        if not args.data or not args.out:
            raise InputError("train needs DATA and --out RUN_DIR (or --resume RUN_DIR)")
        data: Any = args.data
        options = _file_options(args)
        if options or Path(args.data).is_file():  # a file: read it the way build does, and say how
            from .datasets import resolve_relations

            data = resolve_relations(args.data, what="training relations", **options)
            if data.read_as:
                _eprint(f"{args.data}: {len(data.pairs):,} relations; read as {data.read_as}")
        result = pipeline.run(data, preset=args.preset, run_dir=args.out,
                              checkpoint_every=args.checkpoint_every, **progress, **cli_values(args))
        run_dir = args.out
    print(json.dumps({"run_dir": str(Path(run_dir)), "epochs": result.metrics["epochs"],
                      "final_loss": result.metrics["final_loss"], "mean_rank": result.mean_rank, "map": result.map,
                      "fit_seconds": result.metrics["fit_seconds"]}))
    return 0


# --------------------------------------------------------------------- export
@_command("export")
def _cmd_export(args: argparse.Namespace) -> int:
    from .export import export_run

    paths = export_run(args.run_dir, args.format, args.output)
    for p in paths:
        _eprint(f"wrote {p}")
    return 0


# ----------------------------------------------------------------------- demo
@_command("demo")
def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    _console_logging(quiet=False)  # a first run's kernel build and the training's progress, as train shows them
    run_demo(args.out, epochs=args.epochs, dim=args.dim, engine=args.engine, workers=args.workers)
    return 0


# ---------------------------------------------------------------- experiments
@_command("reproduce")
def _cmd_reproduce(args: argparse.Namespace) -> int:
    from .experiments.reproduce import reproduce

    if args.list:
        from .experiments import load_spec, shipped_specs

        for name in shipped_specs():
            print(f"{name:<36} {load_spec(name).description}")
        return 0
    if not args.name:
        raise InputError("reproduce needs a spec NAME or file (hypergensim reproduce --list names the shipped ones)")
    from .experiments.sweep import parse_only

    out = args.out or f"reproduce-{Path(args.name).stem}"
    if args.against:  # refuse a bad folder before hours of training
        from .experiments.agreement import check_comparable

        check_comparable(out, args.against)
    reproduce(args.name, out, jobs=args.jobs, backend="dask" if args.scheduler else "joblib",
              scheduler=args.scheduler, only=parse_only(args.only), time_budget=args.time_budget,
              train=not args.no_train)
    if args.against:
        from .experiments.agreement import check_against

        return 0 if check_against(out, args.against) else 1
    return 0


@_command("sweep")
def _cmd_sweep(args: argparse.Namespace) -> int:
    from .experiments import load_spec, sweep
    from .experiments.sweep import parse_only

    rows = sweep(load_spec(args.spec), args.out, jobs=args.jobs, backend=args.backend, scheduler=args.scheduler,
                 only=parse_only(args.only))
    _eprint(f"{len(rows)} finished runs in {Path(args.out) / 'results.csv'} and {Path(args.out) / 'summary.md'}")
    return 0


@_command("plot")
def _cmd_plot(args: argparse.Namespace) -> int:
    from .plotting import figure_format, plot_disk, plot_norm_vs_depth, plot_training_curves, save_figure
    from .training import PoincareEmbedding

    figure_format(args.output)  # a file name without .png/.pdf/.svg stops before anything is loaded
    est = PoincareEmbedding.load(args.run_dir)
    hierarchy = None
    if getattr(est, "relations_", None):
        from .datasets import Hierarchy

        hierarchy = Hierarchy.from_edges(est.relations_)
        hierarchy.labels = est.labels_
    if args.kind == "disk":
        fig = plot_disk(est.kv_, hierarchy, top_k=args.top_k, center=args.center, mode=args.mode,
                        radius=args.radius)
    elif args.kind == "norm-depth":
        if hierarchy is None:
            raise InputError("norm-depth needs the run's relations.tsv", value=args.run_dir)
        fig = plot_norm_vs_depth(est.kv_, hierarchy)
    else:
        fig = plot_training_curves(est.loss_history_, est.history_)
    save_figure(fig, args.output)
    _eprint(f"wrote {args.output}")
    return 0


# --------------------------------------------------------------------- parser
class _OneLineParser(argparse.ArgumentParser):
    """argparse with usage errors on one line, like every other hypergensim error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"hypergensim: error: {self.prog}: {' '.join(message.split())} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = _OneLineParser(
        prog="hypergensim",
        description="Hyperbolic (and baseline Euclidean) embeddings of hierarchies, with gensim as the vector "
                    "container: datasets, training, evaluation, the papers' tables.",
    )
    parser.add_argument("--version", action="version", version=f"hypergensim {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("data", help="provision data sets (WordNet) without nltk.download",
                       description="Make NLTK's WordNet reader work: NLTK's corpus, a system WordNet 3.0 "
                                   "database copied into ~/nltk_data, or nltk.download, in that order.")
    p.add_argument("name", choices=["wordnet"], help="the data set to provision")
    p.add_argument("--no-download", action="store_true", help="never try nltk.download")

    p = sub.add_parser(
        "build", help="build a transitive closure (and optional link-prediction split)",
        description="Build a hierarchy's transitive closure and write child<TAB>ancestor lines "
                    "(gensim's PoincareRelations format). DATASET is mammals, nouns, verbs, "
                    "wordnet:SYNSET (e.g. wordnet:animal.n.01), a CSV/TSV edge file, or a JSON tree.",
    )
    p.add_argument("dataset", help="mammals | nouns | verbs | wordnet:SYNSET | FILE.csv/.tsv/.json")
    p.add_argument("-o", "--output", required=True, help="output TSV, or a directory with --split")
    p.add_argument("--basic", action="store_true", help="write the transitive reduction instead of the closure")
    p.add_argument("--split", choices=["nickel2017", "ganea2018"], help="write train/valid/test.tsv into -o DIR")
    p.add_argument("--test-fraction", type=float, default=0.1, help="nickel2017: share of edges held out for test")
    p.add_argument("--valid-fraction", type=float, default=0.0, help="nickel2017: share held out for valid")
    p.add_argument("--train-share", type=float, default=0.9,
                   help="ganea2018: share of all the non-basic edges added to train, drawn from those not held "
                        "out (0, 0.1, 0.25, 0.5, 0.9: all of them)")
    p.add_argument("--remove-root", action="store_true",
                   help="ganea2018: remove the hierarchy's one root first, as Ganea et al. remove entity.n.01")
    p.add_argument("--seed", type=int, default=0, help="random seed of the split")
    _add_file_options(p)
    p.add_argument("--dedupe", action="store_true",
                   help="drop repeated relations and self-loops (counted in the summary) instead of failing")
    p.add_argument("--no-cache", action="store_true", help="rebuild WordNet closures instead of using the cache")
    p.add_argument("--summary-json", help="also write the summary as JSON to this path")

    p = sub.add_parser(
        "evaluate", help="mean rank / MAP (paper protocol), entailment, F1",
        description="Evaluate vectors with Nickel & Kiela's protocol (ranks count only strictly closer "
                    "negatives and never the query itself; gensim's evaluators are 1 rank too high). "
                    "VECTORS is a word2vec text file or a training run directory.",
    )
    p.add_argument("vectors", help="word2vec text file, vectors.npz, or a run directory")
    p.add_argument("--task", choices=["reconstruction", "link-prediction", "entailment", "f1"],
                   default="reconstruction")
    p.add_argument("--relations", help="closure TSV or dataset name (reconstruction); default: the run's data")
    p.add_argument("--train", help="train relations TSV (link prediction)")
    p.add_argument("--test", help="test relations TSV (link prediction)")
    p.add_argument("--hyperlex", help="HyperLex file (entailment)")
    p.add_argument("--split-dir", help="directory from 'build --split ganea2018' (f1; default: an F1 run's own "
                                       "parts)")
    p.add_argument("--score", choices=["is-a", "distance", "entailment"], default="is-a",
                   help="f1: the is-a score with its alpha chosen on valid (Ganea et al.; default), the distance "
                        "alone, or the HyperLex entailment score")
    p.add_argument("--symmetric", action="store_true", help="evaluate the undirected closure")
    p.add_argument("--sample", type=int, help="evaluate a random sample of this many query nodes")
    p.add_argument("--seed", type=int, default=0, help="seed of --sample")
    p.add_argument("--skip-missing", action="store_true", help="skip relations whose nodes lack vectors")
    p.add_argument("--diagnostics", action="store_true", help="add norm/depth and health diagnostics")
    p.add_argument("--model", choices=["poincare", "lorentz", "euclidean", "translational"],
                   help="the distance to rank by (default: a run directory's own model, else poincare)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = sub.add_parser(
        "train", help="train an embedding (Poincaré, Lorentz, Euclidean, translational) into a run directory",
        description="Train on the compiled Hogwild engine (or gensim's own loop, --engine gensim) into a gensim "
                    "PoincareModel, one epoch at a time, writing config.json, atomic "
                    "checkpoints, vectors (word2vec text + npz), metrics.json, history.csv and train.log into "
                    "--out. Final metrics use the paper's protocol. A file's relations are used as given "
                    "(a link-prediction train split must not be closed): build a closure first with "
                    "'hypergensim build'. Dataset names (mammals, nouns, wordnet:SYNSET) use the closure.",
    )
    p.add_argument("data", nargs="?", help="closure TSV, dataset name (mammals, nouns, wordnet:SYNSET)")
    p.add_argument("--out", help="run directory to create")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a run from its last checkpoint")
    p.add_argument("--trust-pickle", action="store_true",
                   help="allow resuming from gensim's pickle (model.gensim) when no state.npz exists; "
                        "loading a pickle runs code from the file")
    p.add_argument("--preset", help=f"named configuration: {', '.join(PRESETS)}; without one, every setting "
                                    "marked 'auto' below is chosen from the hierarchy and the time budget (and "
                                    "printed), and any flag overrides a preset's value or the schedule's choice")
    _add_file_options(p)
    add_cli_flags(p)  # one option per parameter of hypergensim.params (e.g. --dim, --burn-in-alpha, --seed)
    p.add_argument("--eval-every", type=int, default=0, help="evaluate reconstruction every K epochs (default: 0, never)")
    p.add_argument("--eval-sample", type=int, help="evaluate a seeded sample of this many query nodes (default: all)")
    p.add_argument("--checkpoint-every", type=int, default=0,
                   help="atomic checkpoint every K epochs (default: 0, only at the end)")
    p.add_argument("--quiet", action="store_true", help="no progress output")

    p = sub.add_parser("export", help="export a run's vectors (word2vec, npz, projector, csv)",
                       description="Export vectors from a run directory. word2vec text keeps full float64 "
                                   "precision and row order; word2vec-binary stores float32 (lossy near the "
                                   "boundary).")
    p.add_argument("run_dir")
    p.add_argument("--format", required=True, choices=["word2vec", "word2vec-binary", "npz", "projector", "csv"])
    p.add_argument("-o", "--output", required=True, help="output file (directory for npz and projector)")

    p = sub.add_parser("reproduce", help="run a shipped paper spec and report it beside the published numbers",
                       description="Run a spec shipped with the package (--list names them) or a spec file; "
                                   "writes results.csv, report.md and PNG plots. Finished runs are reused.")
    p.add_argument("name", nargs="?", help="shipped spec name or path to a TOML spec")
    p.add_argument("--list", action="store_true", help="name the shipped specs and stop")
    p.add_argument("--out", help="output directory (default: reproduce-NAME)")
    p.add_argument("--jobs", type=int, default=1, help="parallel runs")
    p.add_argument("--scheduler", help="tcp://HOST:PORT of a Dask scheduler")
    _add_only(p)
    p.add_argument("--time-budget", type=float, metavar="SECONDS",
                   help="seconds of training per cell, overriding the spec's [run] time_budget (changes the "
                        "cells' ids: a budgeted cell is another cell)")
    p.add_argument("--no-train", action="store_true",
                   help="train nothing: rebuild results.csv, report.md and the figures from the finished cells")
    p.add_argument("--against", metavar="RECORDED_DIR",
                   help="then compare every finished cell with the same cell of a recorded reproduction (mean "
                        "rank within 10%%, MAP and F1 within 0.02); writes OUT/agreement.md, exits 1 if one "
                        "differs")

    p = sub.add_parser("sweep", help="run a spec's grid locally (joblib) or on Dask; resumable",
                       description="Run every grid point of SPEC into OUT/runs/<run-id>/ atomically. Re-running "
                                   "after a crash or kill -9 skips finished runs and redoes unfinished ones.")
    p.add_argument("spec", help="TOML spec file (or shipped spec name)")
    p.add_argument("--out", required=True)
    p.add_argument("--jobs", type=int, default=1, help="parallel runs (processes or Dask workers)")
    p.add_argument("--backend", choices=["joblib", "dask"], default="joblib")
    p.add_argument("--scheduler", help="tcp://HOST:PORT of a running Dask scheduler (implies --backend dask)")
    _add_only(p)

    p = sub.add_parser("plot", help="draw a run: Poincaré disk, norm against depth, or training curves",
                       description="For d=2 the disk is drawn as trained; for higher d a 2-D view keeps each "
                                   "node's norm and takes directions from PCA in the tangent space at the origin.")
    p.add_argument("run_dir")
    p.add_argument("-o", "--output", required=True, help="figure file: .png, .pdf or .svg (by its suffix)")
    p.add_argument("--kind", choices=["disk", "norm-depth", "curves"], default="disk")
    p.add_argument("--center", help="re-centre the disk on this node (a Möbius translation)")
    p.add_argument("--top-k", type=int, default=12, help="nodes to label (default: 12)")
    p.add_argument("--mode", choices=["auto", "points", "density"], default="auto",
                   help="disk: a dot per node, or the density of nodes per cell (default: auto, density above "
                        "20,000 nodes)")
    p.add_argument("--radius", choices=["auto", "ball", "hyperbolic"], default="auto",
                   help="disk: place nodes at their norm in the ball, or at their distance from the origin scaled "
                        "to the largest, which spreads the levels (default: auto, hyperbolic for a density)")

    p = sub.add_parser("demo", help="build mammals, train, evaluate, write a report and plots",
                       description="The main job of 'make demo'.")
    p.add_argument("--out", default="demo")
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--dim", type=int, default=5)
    p.add_argument("--engine", choices=["gensim", "fast"], default="fast")
    p.add_argument("--workers", type=int, default=2, help="threads of the fast engine")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except KeyboardInterrupt:
        _eprint("hypergensim: interrupted")
        return 130
    except BrokenPipeError:
        raise  # the reader went away (`| head`): not an error of ours, see entry_point
    except (HypergensimError, OSError) as exc:
        if args.debug:
            raise
        _eprint(f"hypergensim: error: {_one_line(exc)}")
        return 2


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, HypergensimError):
        name = exc.filename or ""
        return f"{name}: {exc.strerror or exc}" if name else str(exc)
    return " ".join(str(exc).split())


def entry_point() -> None:
    """Console-script entry point."""
    if os.environ.get("HYPERGENSIM_DEBUG"):
        sys.argv.insert(1, "--debug")
    try:
        status = main()
        sys.stdout.flush()  # here, not at exit, so a closed pipe is caught below
    except BrokenPipeError:
        # the reader of our output closed it (`hypergensim reproduce --list | head -3`): stop quietly, as a tool
        # killed by SIGPIPE does, and point stdout at /dev/null so the interpreter's last flush cannot complain
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        status = 128 + 13  # SIGPIPE
    sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    entry_point()
