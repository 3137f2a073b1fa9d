"""The main job behind ``make demo``: mammals closure → train → evaluate → report and plots.

Writes into ``OUT``: ``mammal_closure.tsv``, a training run directory
``run/``, ``report.md``, ``disk.png`` (the Poincaré disk), ``norm_vs_depth.png``
and ``training.png``.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import published
from ._atomic import atomic_write_text
from .datasets import load_hierarchy
from .evaluation import RankingResult
from .evaluation.diagnostics import diagnose
from .pipeline import run
from .plotting import plot_disk, plot_norm_vs_depth, plot_training_curves, save_figure

__all__ = ["run_demo"]


def run_demo(out: str | Path, *, epochs: int = 300, dim: int = 5, engine: str = "fast", workers: int = 2,
             seed: int = 0, verbose: int = 1) -> dict[str, object]:
    """Run the demo into ``out`` and return its metrics.

    Trains with the ``nickel2017`` preset (the paper's objective) on the fast
    engine by default; ``engine="gensim"`` uses the ``nickel2017-gensim`` preset.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    h = load_hierarchy("mammals")
    h.to_tsv(out / "mammal_closure.tsv")
    print(h.summarize())
    run_dir = out / "run"
    if run_dir.exists():
        import shutil

        shutil.rmtree(run_dir)
    preset = "nickel2017" if engine == "fast" else "nickel2017-gensim"
    result = run(h, preset=preset, run_dir=run_dir, dim=dim, epochs=epochs, random_state=seed, verbose=verbose,
                 workers=workers if engine == "fast" else 1, evaluate_every=max(1, epochs // 20))
    est = result.estimator
    metrics = result.evaluation
    diag = diagnose(est.kv_, h)
    print(RankingResult(**metrics))
    save_figure(plot_disk(est.kv_, h, top_k=14), out / "disk.png")
    save_figure(plot_norm_vs_depth(est.kv_, h), out / "norm_vs_depth.png")
    save_figure(plot_training_curves(est.loss_history_, est.history_), out / "training.png")
    wall = time.perf_counter() - started
    params = result.config["params"]
    paper = published.lookup("nickel2017", dataset="mammals", task="reconstruction", model="poincare")[0]
    source = f"{published.citation('nickel2017')}, {paper['where']}"
    report = f"""# hypergensim demo: WordNet mammals

{h.summarize()}

## Training
preset `{preset}`, engine `{engine}`, d={dim}, {est.n_epochs_trained_} epochs (+{est.burn_in} burn-in), seed {seed};
training took {est.fit_seconds_:.1f} s, the whole demo {wall:.1f} s.
Parameters: `{params}`

## Reconstruction (paper protocol: only strictly closer negatives count; the query is never its own negative)

| metric | ours (d={dim}) | paper, Poincaré d={paper['dim']} |
|---|---:|---:|
| mean rank | {metrics['mean_rank']:.3f} | {paper['mean_rank']} |
| MAP | {metrics['map']:.3f} | {paper['map']} |
| MRR | {metrics['mrr']:.3f} | |
| Hits@10 | {metrics['hits_at_10']:.3f} | |

Paper numbers: {source}. Difference to the paper: mean rank
{metrics['mean_rank'] - paper['mean_rank']:+.3f}, MAP {metrics['map'] - paper['map']:+.3f}
(lower mean rank and higher MAP are better).

Diagnostics: Spearman(norm, depth) = {diag.norm_depth_spearman:.3f}, share at the clipping radius
{diag.share_at_clip_radius:.4f}, non-finite rows {diag.n_nonfinite_rows}.

## Figures
- `disk.png`: the Poincaré disk ({'as trained' if dim == 2 else 'true norms, PCA directions'}), coloured by depth.
- `norm_vs_depth.png`: Poincaré distance from the origin per depth; general concepts should sit nearest.
- `training.png`: loss, mean rank and MAP during training.

Vectors and metrics: `run/` (`vectors.txt`, `vectors.npz`, `metrics.json`, `history.csv`).
"""
    atomic_write_text(out / "report.md", report)
    print(f"wrote {out / 'report.md'}, {out / 'disk.png'}, {out / 'norm_vs_depth.png'}, {out / 'training.png'}")
    return {"mean_rank": metrics["mean_rank"], "map": metrics["map"], "seconds": wall}
