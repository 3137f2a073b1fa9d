"""PyTorch factories and differentiable ops, checked against hypergensim.manifold."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypergensim.downstream import (  # noqa: E402
    log_map0,
    poincare_distance,
    to_torch_embedding,
    torch_log_map0,
    torch_poincare_distance,
    torch_project,
)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_distance_and_log_map_match_numpy(dtype):
    rng = np.random.default_rng(0)
    u = rng.uniform(-0.4, 0.4, size=(30, 5))
    v = rng.uniform(-0.4, 0.4, size=(30, 5))
    v[3] = v[3] / np.linalg.norm(v[3]) * (1 - 1e-4)
    tol = 1e-4 if dtype == torch.float32 else 1e-10
    d = torch_poincare_distance(torch.tensor(u, dtype=dtype), torch.tensor(v, dtype=dtype))
    assert d.dtype == dtype
    assert np.allclose(d.double().numpy(), poincare_distance(u, v), rtol=tol, atol=tol)
    assert np.allclose(torch_log_map0(torch.tensor(u, dtype=dtype)).double().numpy(), log_map0(u), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gradients_stay_finite(dtype):
    x = torch.tensor([[0.0, 0.0], [0.3, 0.4], [0.6, 0.8]], dtype=dtype, requires_grad=True)
    y = torch.tensor([[0.0, 0.0], [0.3, 0.4], [0.0, 0.1]], dtype=dtype)
    (torch_poincare_distance(x, y).sum() + torch_log_map0(x).sum() + torch_project(x).sum()).backward()
    assert torch.isfinite(x.grad).all()
    assert torch.all(x.grad[:2].abs() < 1e6)


def test_project_keeps_points_inside():
    x = torch.tensor([[3.0, 4.0], [0.1, 0.0]])
    out = torch_project(x, 1e-3)
    assert float(out[0].norm()) == pytest.approx(1 - 1e-3, abs=1e-6)
    assert torch.equal(out[1], x[1])


def test_to_torch_embedding(tmp_path):
    keys = ["mammal", "dog", "cat"]
    vecs = np.array([[0.0, 0.01], [0.5, 0.0], [0.0, 0.5]])
    emb, index = to_torch_embedding((keys, vecs), keys=["dog", "cat"])
    assert index == {"dog": 0, "cat": 1}
    assert emb.weight.requires_grad is False and emb.weight.dtype == torch.get_default_dtype()
    out = emb(torch.tensor([index["cat"]]))
    assert np.allclose(out.numpy(), vecs[[2]], atol=1e-7)
    emb64, index64 = to_torch_embedding((keys, vecs), freeze=False, dtype=torch.float64)
    assert emb64.weight.requires_grad and torch.equal(emb64.weight[index64["dog"]], torch.tensor(vecs[1]))
    # a downstream step reaches the table when unfrozen
    loss = torch_poincare_distance(emb64(torch.tensor([0])), emb64(torch.tensor([1]))).sum()
    loss.backward()
    assert torch.isfinite(emb64.weight.grad).all() and emb64.weight.grad.abs().sum() > 0
