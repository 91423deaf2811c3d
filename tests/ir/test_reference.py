"""Every core op's PyTorch reference against an independent torch computation on small
inputs, and its ``infer`` against the reference's actual output type.

Tolerances: rtol=1e-5, atol=1e-5 (float32; references and expectations are different
formulations of the same math, e.g. GELU by erf vs F.gelu).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from hwsdk.ir.dtypes import from_torch
from hwsdk.ir.graph import TensorType
from hwsdk.ir.opdef import all_ops, get_op

Case = tuple[list[Any], dict[str, Any], Callable[..., Any]]


def _t() -> Any:
    import torch

    return torch


def cases() -> dict[str, list[Case]]:
    """op name → [(inputs, attrs, expected(*inputs))]."""
    torch = _t()
    g = torch.Generator().manual_seed(0)

    def r(*shape: int) -> Any:
        return torch.randn(*shape, generator=g)

    def pos(*shape: int) -> Any:
        return torch.rand(*shape, generator=g) + 0.5

    x, y, m = r(2, 3, 4), r(3, 4), r(2, 3, 4) > 0
    ids = torch.tensor([[1, 0, 3], [2, 2, 1]])
    q, k, v = r(1, 2, 5, 4), r(1, 2, 5, 4), r(1, 2, 5, 4)

    def attention(q: Any, k: Any, v: Any, causal: bool = False) -> Any:
        s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        if causal:
            s = s.masked_fill(torch.ones(5, 5, dtype=torch.bool).triu(1), float("-inf"))
        return torch.softmax(s, -1) @ v

    def layer_norm(x: Any, w: Any, b: Any) -> Any:
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + 1e-5) * w + b

    unary: dict[str, Callable[[Any], Any]] = {
        "neg": lambda a: -a, "abs": lambda a: a.abs(), "exp": lambda a: a.exp(),
        "log": lambda a: a.log(), "sqrt": lambda a: a.sqrt(), "rsqrt": lambda a: 1 / a.sqrt(),
        "reciprocal": lambda a: 1 / a, "sin": lambda a: a.sin(), "cos": lambda a: a.cos(),
        "tanh": lambda a: a.tanh(), "erf": lambda a: a.erf(),
        "sigmoid": lambda a: 1 / (1 + (-a).exp()), "relu": lambda a: a.clamp(min=0),
        "silu": lambda a: a / (1 + (-a).exp()),
    }
    table: dict[str, list[Case]] = {n: [([pos(3, 4)], {}, f)] for n, f in unary.items()}
    table["logical_not"] = [([m], {}, lambda a: ~a)]
    table["gelu"] = [
        ([x], {"approximate": "none"}, lambda a: 0.5 * a * (1 + torch.erf(a / math.sqrt(2)))),
        ([x], {"approximate": "tanh"}, lambda a: 0.5 * a * (1 + torch.tanh(
            math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))),
    ]
    table["clamp"] = [([x], {"min": -0.5, "max": 0.5}, lambda a: a.clamp(-0.5, 0.5)),
                      ([x], {"min": None, "max": 0.1}, lambda a: a.clamp(max=0.1))]
    binary = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
              "div": lambda a, b: a / b, "maximum": torch.maximum, "minimum": torch.minimum,
              "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
              "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}
    for name, f in binary.items():
        table[name] = [([x, y], {}, f),
                       ([x], {"scalar": 2.0, "scalar_first": False}, lambda a, f=f: f(
                           a, torch.tensor(2.0))),
                       ([x], {"scalar": 2.0, "scalar_first": True}, lambda a, f=f: f(
                           torch.tensor(2.0), a))]
    table["pow"] = [([pos(3, 4), y], {}, lambda a, b: torch.exp(b * torch.log(a))),
                    ([x], {"scalar": 2, "scalar_first": False}, lambda a: a * a)]
    table["logical_and"] = [([m, m.flip(0)], {}, lambda a, b: a & b)]
    table["logical_or"] = [([m, m.flip(0)], {}, lambda a, b: a | b)]
    table["where"] = [([m, x, y], {}, lambda c, a, b: c * a + (~c) * b),
                      ([m, x], {"other": -1.0}, lambda c, a: c * a - (~c) * 1.0)]
    table["cast"] = [([x], {"dtype": "f16"}, lambda a: a.half()),
                     ([ids], {"dtype": "f32"}, lambda a: a.float())]
    table["softmax"] = [([x], {"dim": 1}, lambda a: a.exp() / a.exp().sum(1, keepdim=True))]
    table["log_softmax"] = [([x], {"dim": -1}, lambda a: a - a.exp().sum(-1, keepdim=True).log())]
    w4, b4 = r(4), r(4)
    table["layer_norm"] = [([x, w4, b4], {"normalized_shape": [4], "eps": 1e-5}, layer_norm)]
    table["rms_norm"] = [([x, w4], {"normalized_shape": [4], "eps": 1e-6},
                          lambda a, w: a / torch.sqrt((a * a).mean(-1, keepdim=True) + 1e-6) * w)]
    img = r(2, 3, 8, 8)
    mean, var, bw, bb = r(3), pos(3), r(3), r(3)
    table["batch_norm"] = [([img, bw, bb, mean, var], {"eps": 1e-5}, lambda a, w, b, mu, s: (
        (a - mu[:, None, None]) / torch.sqrt(s[:, None, None] + 1e-5) * w[:, None, None]
        + b[:, None, None]))]
    wl, bl = r(5, 4), r(5)
    table["linear"] = [([x, wl, bl], {}, lambda a, w, b: a @ w.T + b)]
    table["matmul"] = [([x, r(4, 2)], {}, lambda a, b: torch.einsum("bij,jk->bik", a, b)),
                       ([x, r(2, 4, 6)], {}, lambda a, b: torch.einsum("bij,bjk->bik", a, b))]
    table["addmm"] = [([r(5), y, r(4, 5)], {}, lambda c, a, b: c + a @ b)]
    wc, bc = r(6, 3, 3, 3), r(6)
    table["conv"] = [([img, wc, bc], {"stride": [2, 2], "padding": [1, 1], "dilation": [1, 1],
                                      "groups": 1}, lambda a, w, b: _conv_unfold(a, w, b))]
    table["max_pool2d"] = [([img], {"kernel": [2, 2], "stride": [2, 2], "padding": [0, 0],
                                    "dilation": [1, 1], "ceil_mode": False},
                            lambda a: a.reshape(2, 3, 4, 2, 4, 2).amax((3, 5)))]
    table["avg_pool2d"] = [([img], {"kernel": [2, 2], "stride": [2, 2], "padding": [0, 0],
                                    "ceil_mode": False, "count_include_pad": True},
                            lambda a: a.reshape(2, 3, 4, 2, 4, 2).mean((3, 5)))]
    table["adaptive_avg_pool2d"] = [([img], {"output_size": [1, 1]},
                                     lambda a: a.mean((2, 3), keepdim=True))]
    emb = r(10, 4)
    table["embedding"] = [([emb, ids], {}, lambda w, i: w[i])]
    table["scaled_dot_product_attention"] = [
        ([q, k, v], {"is_causal": False, "scale": None, "enable_gqa": False}, attention),
        ([q, k, v], {"is_causal": True, "scale": None, "enable_gqa": False},
         lambda a, b, c: attention(a, b, c, causal=True)),
    ]
    table["reshape"] = [([x], {"shape": [6, -1]}, lambda a: a.flatten(0, 1))]
    table["permute"] = [([x], {"dims": [2, 0, 1]}, lambda a: a.transpose(0, 2).transpose(1, 2))]
    table["expand"] = [([r(3, 1)], {"shape": [2, -1, 4]}, lambda a: a.repeat(2, 1, 4).reshape(
        2, 3, 4))]
    table["slice"] = [([x], {"dim": 2, "start": 1, "end": 3, "step": 1}, lambda a: a[:, :, 1:3]),
                      ([x], {"dim": 1, "start": 0, "end": 2**63 - 1, "step": 2},
                       lambda a: a[:, ::2])]
    table["select"] = [([x], {"dim": 1, "index": -1}, lambda a: a[:, 2])]
    table["squeeze"] = [([r(2, 1, 3)], {"dims": [1]}, lambda a: a[:, 0])]
    table["unsqueeze"] = [([y], {"dim": 1}, lambda a: a[:, None])]
    table["copy"] = [([x], {}, lambda a: a + 0)]
    table["cat"] = [([y, y * 2], {"dim": 0}, lambda a, b: torch.stack([a, b]).reshape(6, 4))]
    table["split"] = [([x], {"sizes": [1, 3], "dim": 2}, lambda a: (a[..., :1], a[..., 1:]))]
    table["index_select"] = [([y, torch.tensor([2, 0])], {"dim": 0}, lambda a, i: a[i])]
    table["index_copy"] = [([y, torch.tensor([2, 0]), y[:2] * 10], {"dim": 0},
                            lambda a, i, s: torch.stack([s[1], a[1], s[0]]))]
    table["gather"] = [([y, torch.tensor([[0, 1], [2, 2], [1, 0]])], {"dim": 1},
                        lambda a, i: torch.stack([a[j, i[j]] for j in range(3)]))]
    table["arange"] = [([], {"start": 2, "end": 9, "step": 3, "dtype": "i64"},
                        lambda: torch.tensor([2, 5, 8]))]
    table["full"] = [([], {"shape": [2, 3], "value": 1.5, "dtype": "f32"},
                      lambda: torch.ones(2, 3) * 1.5)]
    table["triu"] = [([y], {"diagonal": 1}, lambda a: a * (torch.arange(4)[None] > torch.arange(
        3)[:, None]))]
    table["tril"] = [([y], {"diagonal": 0}, lambda a: a * (torch.arange(4)[None] <= torch.arange(
        3)[:, None]))]
    table["sum"] = [([x], {"dims": [1, 2], "keepdim": False, "dtype": None},
                     lambda a: a.reshape(2, -1).sum(-1)),
                    ([ids], {"dims": [0, 1], "keepdim": True, "dtype": None},
                     lambda a: a.sum().reshape(1, 1))]
    table["mean"] = [([x], {"dims": [2], "keepdim": True, "dtype": None},
                      lambda a: a.sum(2, keepdim=True) / 4)]
    table["amax"] = [([x], {"dims": [0], "keepdim": False}, lambda a: torch.maximum(a[0], a[1]))]
    table["amin"] = [([x], {"dims": [0], "keepdim": False}, lambda a: torch.minimum(a[0], a[1]))]
    table["argmax"] = [([y], {"dim": 1, "keepdim": False}, lambda a: a.max(1).indices)]
    table["cumsum"] = [([y], {"dim": 1, "dtype": None}, lambda a: torch.stack(
        [a[:, : i + 1].sum(1) for i in range(4)], 1))]
    q8 = torch.randint(-127, 128, (3, 4), generator=g, dtype=torch.int8)
    table["dequantize"] = [
        ([q8, pos(3)], {"bits": 8, "group_size": 0, "shape": [3, 4]},
         lambda q, s: q.float() * s[:, None]),
        # bytes 0x21, 0x43 hold 1, 2, 3, 4 (low nibble first); groups of 2, zero points 1 and 3
        ([torch.tensor([[0x21, 0x43]], dtype=torch.uint8), torch.tensor([[0.5, 2.0]]),
          torch.tensor([[1, 3]], dtype=torch.uint8)], {"bits": 4, "group_size": 2,
                                                       "shape": [1, 4]},
         lambda q, s, z: torch.tensor([[0.0, 0.5, 0.0, 2.0]])),
    ]
    return table


def _conv_unfold(a: Any, w: Any, b: Any) -> Any:
    torch = _t()
    cols = torch.nn.functional.unfold(a, 3, padding=1, stride=2)  # (N, C*9, L)
    out = (w.reshape(6, -1) @ cols) + b[:, None]
    return out.reshape(a.shape[0], 6, 4, 4)


def _types(value: Any) -> list[TensorType]:
    torch = _t()
    values = value if isinstance(value, (tuple, list)) else [value]
    assert all(isinstance(v, torch.Tensor) for v in values)
    return [TensorType(from_torch(v.dtype), tuple(v.shape)) for v in values]


CASES = cases()


def test_every_core_op_has_reference_cases() -> None:
    assert sorted(CASES) == sorted(op.name for op in all_ops())


@pytest.mark.parametrize("category", sorted({op.category for op in all_ops()}))
def test_reference_matches_torch(category: str) -> None:
    torch = _t()
    checked = 0
    for op in (o for o in all_ops() if o.category == category):
        for inputs, attrs, expected in CASES[op.name]:
            full = op.check_attrs(attrs)
            out = get_op(op.name).reference(*inputs, **full)
            want = expected(*inputs)
            outs = out if isinstance(out, (tuple, list)) else [out]
            wants = want if isinstance(want, (tuple, list)) else [want]
            for got, exp in zip(outs, wants, strict=True):
                torch.testing.assert_close(got, exp.to(got.dtype) if got.dtype != exp.dtype
                                           and not exp.dtype.is_floating_point else exp,
                                           rtol=1e-5, atol=1e-5,
                                           msg=lambda s, n=op.name: f"{n}: {s}")
            in_types = [TensorType(from_torch(t.dtype), tuple(t.shape)) for t in inputs]
            assert op.infer(in_types, full) == _types(out), f"{op.name} {attrs}"
            checked += 1
    assert checked
