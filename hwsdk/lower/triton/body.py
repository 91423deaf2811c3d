"""Shared pieces of every kernel emitter: arguments, index arithmetic, loads, stores, and the
fused elementwise / row-op body.

Every fused value at ``full`` level lives at a flat contiguous index (``flat``, with ``mask``);
row-level values are one per program (``row``). An input from outside the kernel is read with
the strides of the input broadcast (``expand``) to the shape it is used at, so broadcasting,
permuted and sliced views cost index arithmetic, not copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node
from hwsdk.ir.symbolic import Dim
from hwsdk.lower.triton.ops import MAX_ROW, REDUCTIONS, TL_TYPES, elementwise_expr

FP8 = frozenset({DType.f8e4m3fn, DType.f8e5m2, DType.f8e4m3fnuz, DType.f8e5m2fnuz})

__all__ = ["KernelBuilder"]

_ROW = "axis=1, keep_dims=True"
"""Row kernels reduce along the block's column axis and keep it, so results broadcast."""

_INT_MIN = {DType.i64: "tl.full((1, 1), -9223372036854775807 - 1, tl.int64)",
            DType.i32: "tl.full((1, 1), -2147483648, tl.int32)"}
"""Fill of masked lanes for an integer argmax: the dtype's minimum."""

_EPS = {DType.f32: 1.1920928955078125e-07, DType.f16: 0.0009765625, DType.bf16: 0.0078125}


@dataclass
class KernelBuilder:
    """Collects a kernel's parameters (with how the host computes each) and body lines."""

    graph: Graph
    name: str
    params: list[str] = field(default_factory=list)
    args: list[dict[str, Any]] = field(default_factory=list)
    constexprs: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    _index: dict[tuple[str, tuple[Dim, ...]], list[str]] = field(default_factory=dict)
    _counter: int = 0

    # --- parameters ------------------------------------------------------------------------

    def param(self, name: str, arg: dict[str, Any]) -> str:
        if name not in self.params:
            self.params.append(name)
            self.args.append(arg)
        return name

    def pointer(self, value: str, out: bool = False) -> str:
        """The pointer parameter of a tensor the kernel reads or writes."""
        lst = self.outputs if out else self.inputs
        if value not in lst:
            lst.append(value)
        prefix = "out" if out else "in"
        return self.param(f"{prefix}{lst.index(value)}", {"kind": "ptr", "value": value})

    def size(self, dims: list[Dim], name: str) -> str:
        return self.param(name, {"kind": "int", "prod": list(dims)})

    def stride(self, value: str, ptr: str, shape: tuple[Dim, ...], dim: int,
               perm: list[int] | None = None) -> str:
        arg: dict[str, Any] = {"kind": "stride", "value": value, "shape": list(shape), "dim": dim}
        if perm is not None:
            arg["perm"] = perm
        return self.param(f"{ptr}_s{dim}", arg)

    def constexpr(self, name: str, value: int) -> str:
        self.constexprs[name] = value
        return name

    def tmp(self) -> str:
        self._counter += 1
        return f"t{self._counter}"

    def emit(self, line: str) -> None:
        self.lines.append(line)

    # --- index arithmetic ------------------------------------------------------------------

    def indices(self, base: str, shape: tuple[Dim, ...]) -> list[str]:
        """Per-dim index expressions of ``base`` (a flat contiguous index) over ``shape``."""
        key = (base, tuple(shape))
        if key in self._index:
            return self._index[key]
        tag = f"{base[0]}{len(self._index)}"
        names: list[str] = [""] * len(shape)
        rem = base
        for d in range(len(shape) - 1, -1, -1):
            if shape[d] == 1:
                names[d] = "0"
                continue
            if d == 0 or all(s == 1 for s in shape[:d]):
                names[d] = rem
                break
            size = self.size([shape[d]], f"{tag}_d{d}")
            names[d] = f"{tag}_i{d}"
            self.emit(f"{names[d]} = {rem} % {size}")
            nxt = f"{tag}_r{d}"
            self.emit(f"{nxt} = {rem} // {size}")
            rem = nxt
        names = [n or "0" for n in names]
        self._index[key] = names
        return names

    def offset(self, value: str, ptr: str, base: str, shape: tuple[Dim, ...]) -> str:
        idx = self.indices(base, shape)
        terms = [f"{i} * {self.stride(value, ptr, shape, d)}"
                 for d, i in enumerate(idx) if i != "0"]
        return " + ".join(terms) or f"{base} * 0"  # a block of offsets even for a scalar

    # --- loads and stores ------------------------------------------------------------------

    def load(self, value: str, level: str, shape: tuple[Dim, ...]) -> str:
        """Load an outside value broadcast to ``shape`` at ``level``; returns its variable."""
        key = f"{value}@{level}@{shape}"
        if key in self.env:
            return self.env[key]
        ptr = self.pointer(value)
        dtype = self.graph.types[value].dtype
        var = f"x{len(self.env)}"
        if level == "full":
            off = self.offset(value, ptr, "flat", shape)
            other = "" if dtype in FP8 else ", other=0"  # no fp8 literal in the interpreter
            code = f"tl.load({ptr} + {off}, mask=mask{other})"
        else:
            code = f"tl.load({ptr} + {self.offset(value, ptr, 'row', shape)}, mask=row_mask)"
        if dtype.is_float:
            code += ".to(tl.float32)"
        self.emit(f"{var} = {code}  # {value}: {self.graph.types[value]}")
        self.env[key] = var
        return var

    def store(self, value: str, var: str, level: str) -> None:
        ptr = self.pointer(value, out=True)
        dtype = self.graph.types[value].dtype
        val = f"{var}.to({TL_TYPES[dtype]})" if dtype is not DType.bool else f"({var} != 0)"
        if level == "full":
            self.emit(f"tl.store({ptr} + flat, {val}, mask=mask)")
        else:
            self.emit(f"tl.store({ptr} + row, {val}, mask=row_mask)")

    # --- fused body ------------------------------------------------------------------------

    def operand(self, value: str, level: str, shape: tuple[Dim, ...],
                levels: dict[str, str]) -> str:
        if value in levels and value in self.env:
            return self.env[value]
        return self.load(value, level, shape)

    def fuse(self, node: Node, levels: dict[str, str]) -> None:
        """Emit one elementwise node (or absorbed reshape) at its level."""
        out = node.outputs[0]
        level = levels[out]
        shape = self.graph.types[out].shape
        if node.op == "reshape":
            self.env[out] = self.env[node.inputs[0]]
            return
        args = [self.operand(v, level, shape, levels) for v in node.inputs if v]
        var = f"v{len(self.env)}"
        expr = elementwise_expr(node, args, self.graph.types[out].dtype)
        self.emit(f"{var} = {expr}  # {node.id}: {node.op}")
        self.env[out] = var

    def row_op(self, node: Node, levels: dict[str, str], n_cols: str) -> None:
        """Emit a reduction or normalization over the row held in ``flat``/``mask``."""
        x = self.operand(node.inputs[0], "full", self.graph.types[node.inputs[0]].shape, levels)
        out = node.outputs[0]
        var = f"v{len(self.env)}"
        op = node.op
        self.emit(f"# {node.id}: {op}")
        is_float = self.graph.types[node.inputs[0]].dtype.is_float
        zero = "0.0" if is_float else "0"
        if op == "argmax":
            self._argmax(x, var, self.graph.types[node.inputs[0]].dtype)
        elif op in REDUCTIONS:
            if op in ("sum", "mean"):
                red = f"tl.sum(tl.where(mask, {x}, {zero}), axis=1, keep_dims=True)"
                if op == "mean":
                    red = f"({red} / {n_cols})"
            else:
                fill = "-float('inf')" if op == "amax" else "float('inf')"
                fn = "tl.max" if op == "amax" else "tl.min"
                red = f"{fn}(tl.where(mask, {x}, {fill}), axis=1, keep_dims=True)"
                if is_float:  # tl.max/tl.min skip NaN; PyTorch's amax/amin return it
                    nan = f"tl.max(tl.where(mask & ({x} != {x}), 1, 0), axis=1, keep_dims=True)"
                    red = f"tl.where({nan} > 0, float('nan'), {red})"
            self.emit(f"{var} = {red}")
        elif op in ("softmax", "log_softmax"):
            m, e, s = self.tmp(), self.tmp(), self.tmp()
            self.emit(f"{m} = tl.max(tl.where(mask, {x}, -float('inf')), {_ROW})")
            self.emit(f"{e} = tl.where(mask, tl.exp({x} - {m}), 0.0)")
            self.emit(f"{s} = tl.sum({e}, axis=1, keep_dims=True)")
            if op == "softmax":
                self.emit(f"{var} = {e} / {s}")
            else:
                self.emit(f"{var} = ({x} - {m}) - tl.log({s})")
        else:
            self._norm(node, x, var, levels, n_cols)
        self.env[out] = var

    def _argmax(self, x: str, var: str, dtype: DType) -> None:
        """The first index of the row's maximum; of its first NaN when it has one (PyTorch)."""
        is_float = dtype.is_float
        low = "-float('inf')" if is_float else _INT_MIN[dtype]
        m, none = self.tmp(), f"{MAX_ROW}"
        self.emit(f"{m} = tl.max(tl.where(mask, {x}, {low}), {_ROW})")
        first = f"tl.min(tl.where(mask & ({x} == {m}), cols, {none}), {_ROW})"
        if is_float:
            nan = self.tmp()
            self.emit(f"{nan} = tl.min(tl.where(mask & ({x} != {x}), cols, {none}), {_ROW})")
            first = f"tl.where({nan} < {none}, {nan}, {first})"
        self.emit(f"{var} = {first}.to(tl.int64)")

    def _norm(self, node: Node, x: str, var: str, levels: dict[str, str], n_cols: str) -> None:
        shape = self.graph.types[node.inputs[0]].shape
        eps = node.attrs.get("eps")
        if eps is None:  # rms_norm's default: the input dtype's machine epsilon
            eps = _EPS.get(self.graph.types[node.inputs[0]].dtype, _EPS[DType.f32])
        if node.op == "layer_norm":
            mean, d, var_ = self.tmp(), self.tmp(), self.tmp()
            self.emit(f"{mean} = tl.sum(tl.where(mask, {x}, 0.0), {_ROW}) / {n_cols}")
            # one correction pass: a constant row's mean becomes exact, so x - mean is 0
            self.emit(f"{mean} = {mean} + tl.sum(tl.where(mask, {x} - {mean}, 0.0), {_ROW})"
                      f" / {n_cols}")
            self.emit(f"{d} = tl.where(mask, {x} - {mean}, 0.0)")
            self.emit(f"{var_} = tl.sum({d} * {d}, axis=1, keep_dims=True) / {n_cols}")
            y = f"{d} * tl.rsqrt({var_} + {eps!r})"
        else:
            ms = self.tmp()
            self.emit(f"{ms} = tl.sum(tl.where(mask, {x} * {x}, 0.0), {_ROW}) / {n_cols}")
            y = f"{x} * tl.rsqrt({ms} + {eps!r})"
        if len(node.inputs) > 1 and node.inputs[1]:
            y = f"({y}) * {self.operand(node.inputs[1], 'full', shape, levels)}"
        if len(node.inputs) > 2 and node.inputs[2]:
            y = f"{y} + {self.operand(node.inputs[2], 'full', shape, levels)}"
        self.emit(f"{var} = {y}")

    # --- finishing -------------------------------------------------------------------------

    def store_outputs(self, nodes: list[Node], levels: dict[str, str],
                      outputs: list[str]) -> None:
        for node in nodes:
            for v in node.outputs:
                if v in outputs and v in self.env:
                    self.store(v, self.env[v], levels[v])

    def source(self, doc: str) -> str:
        sig = [*self.params, *(f"{c}: tl.constexpr" for c in self.constexprs)]
        head = f"@triton.jit\ndef {self.name}(\n    " + ",\n    ".join(sig) + ",\n):\n"
        body = [f'    """{doc}"""'] + [f"    {line}" for line in self.lines]
        return head + "\n".join(body) + "\n"
