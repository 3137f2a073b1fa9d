"""Tests for hypergensim.params: the one parameter table and everything derived from it."""

from __future__ import annotations

import inspect

import pytest

from hypergensim.errors import ConfigError
from hypergensim.experiments import parse_spec
from hypergensim.params import MODELS, PARAMETERS, spec_types
from hypergensim.training import PoincareEmbedding


def test_the_estimator_signature_is_the_table():
    signature = inspect.signature(PoincareEmbedding)
    assert list(signature.parameters) == [p.name for p in PARAMETERS]
    assert all(signature.parameters[p.name].default == p.default for p in PARAMETERS)
    assert set(PoincareEmbedding._parameter_constraints) == {p.name for p in PARAMETERS}
    doc = PoincareEmbedding.__doc__
    for p in PARAMETERS:
        assert f"{p.name} : " in doc


def test_positional_and_keyword_construction_store_only():
    est = PoincareEmbedding(4, 3, alpha=0.2)
    assert (est.dim, est.negative, est.alpha, est.epochs) == (4, 3, 0.2, None)  # None: the schedule chooses
    with pytest.raises(TypeError):
        PoincareEmbedding(dimension=4)
    PoincareEmbedding(dim=-1)  # __init__ only stores; fit validates


def _bad_value(p):
    if p.choices:
        return "nope"
    if p.kind is tuple:
        return (0.5, 0.1)
    if p.kind in (int, float) and p.low is not None:
        return p.low if p.low_open else p.low - 1
    return None


@pytest.mark.parametrize("param", [p for p in PARAMETERS if _bad_value(p) is not None], ids=lambda p: p.name)
def test_every_bound_of_the_table_is_enforced_with_its_own_words(param):
    est = PoincareEmbedding(**{param.name: _bad_value(param)})
    with pytest.raises(ConfigError, match=f"^{param.name} must be {param.requirement()}".replace("(", r"\(")
                       .replace(")", r"\)")):
        est._check_params()


#: A value other than the default, valid on its own, for every parameter that only some models use (and what else
#: it needs).
_MODEL_ONLY_VALUES = {"epsilon": (1e-3, {}), "max_norm": (None, {}), "translation_rate": (0.1, {}),
                      "max_radius": (10.0, {}), "radius_start": (2.0, {"radius_warmup": 5}),
                      "radius_end": (20.0, {}), "init": ("tree", {})}


@pytest.mark.parametrize(("param", "model"), [(p, m) for p in PARAMETERS if p.models for m in MODELS
                                              if m not in p.models], ids=lambda x: getattr(x, "name", x))
def test_a_parameter_set_for_a_model_it_means_nothing_to_is_refused_in_its_own_words(param, model):
    value, needs = _MODEL_ONLY_VALUES[param.name]
    param.check(value)
    engine = {"engine": "fast", "objective": "nickel2017", **needs}
    est = PoincareEmbedding(model=model, **engine, **{param.name: value})
    with pytest.raises(ConfigError) as caught:
        est._check_params()
    assert str(caught.value) == param.misfit_error(model, value)
    for fit in param.models:  # and the models it is for take it (or refuse it for another reason)
        try:
            PoincareEmbedding(model=fit, **engine, **{param.name: value})._check_params()
        except ConfigError as error:
            assert str(error) != param.misfit_error(fit, value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True])
def test_nan_inf_and_booleans_are_refused(value):
    with pytest.raises(ConfigError, match="alpha must be a finite number > 0"):
        PoincareEmbedding(alpha=value)._check_params()


def test_cli_flags_and_spec_keys_come_from_the_table(tmp_path):
    from hypergensim.cli import build_parser

    flags = {p.option for p in PARAMETERS if p.option}
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    options = {o for action in train._actions for o in action.option_strings}
    assert flags <= options
    assert set(spec_types()) == {p.name for p in PARAMETERS if p.in_specs}
    assert "callbacks" not in spec_types() and "verbose" not in spec_types()


def test_specs_check_values_too():
    base = {"experiment": {"name": "x", "dataset": "mammals", "task": "reconstruction"}}
    with pytest.raises(ConfigError, match=r"s.toml: train.dim: dim must be an integer >= 1, got 0"):
        parse_spec({**base, "train": {"dim": 0}}, path="s.toml")
    with pytest.raises(ConfigError, match=r"s.toml: grid.engine: engine must be one of gensim, fast \(or None: chosen by the schedule\), got 'turbo'"):
        parse_spec({**base, "grid": {"engine": ["fast", "turbo"]}}, path="s.toml")
    with pytest.raises(ConfigError, match="s.toml: grid.preset: unknown preset 'nope'"):
        parse_spec({**base, "grid": {"preset": ["nope"]}}, path="s.toml")
