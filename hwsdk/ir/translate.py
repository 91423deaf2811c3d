"""ExportedProgram → IR Graph: every ATen call through the op set's ATen map.

Calls the core op set cannot express (no converter, or the converter declines these arguments)
become opaque ``torch_op`` nodes whose arguments are encoded as JSON (see :func:`encode`).
"""

from __future__ import annotations

import functools
import operator
import os
import re
from typing import Any

from hwsdk.errors import CaptureError
from hwsdk.ir.dtypes import from_torch
from hwsdk.ir.graph import Graph, Node, Source, TensorType
from hwsdk.ir.inputs import non_tensor_output
from hwsdk.ir.opdef import OPSET_VERSION, TORCH_OP, OpDef, TensorArg, op_for_aten
from hwsdk.ir.outputs import NumberOutput, OutputPlan
from hwsdk.ir.symbolic import symbols_in
from hwsdk.ir.symbols import SymbolNamer, SymExpr, SymFloatExpr, contains_sym

__all__ = ["Translator", "encode", "overload_name", "DROPPED"]

DROPPED = frozenset({
    "aten._assert_tensor_metadata.default", "aten._assert_scalar.default",
    "aten.sym_constrain_range_for_size.default", "aten._assert_async.msg",
    "aten.sym_constrain_range.default", "aten._linalg_check_errors.default",
})
"""Runtime assertions torch.export inserts; the input guards cover what they check (linalg's
error check raises only for singular or non-definite inputs, whose results hwsdk returns as
the kernels compute them)."""

_TOKEN = "$token"
"""The value of an effect token: torch.export threads one through side-effecting calls."""

_FRAME = re.compile(r'File "([^"]+)", line (\d+)')
_UNBACKED = re.compile(r"u\d+|zuf\d+")
_ITEM = "aten._local_scalar_dense.default"

# Where a data-dependent ("unbacked") symbol gets its value at run time: the size of a value's
# dim, or (dim None) the value itself (``tensor.item()``).
Binding = tuple[str, "int | None"]


class Translator:
    """Walks an ExportedProgram's FX graph and builds the IR graph.

    :param program: the (decomposed) ``torch.export.ExportedProgram``.
    :param namer: turns symbolic dims and SymInt values into IR dims and :class:`SymExpr`.
    """

    def __init__(self, program: Any, namer: SymbolNamer) -> None:
        self.program = program
        self.namer = namer
        self.values: dict[str, Any] = {}  # FX node name → IR value name | list | scalar
        self.types: dict[str, TensorType] = {}
        self.nodes: list[Node] = []
        self.inputs: list[str] = []
        self.params: list[str] = []
        self.param_data: dict[str, Any] = {}
        self.unbacked: dict[str, Binding] = {}
        self.output_plan = OutputPlan([])

    def tensor_type(self, val: Any) -> TensorType:
        return TensorType(from_torch(val.dtype), tuple(self.namer.dim(d) for d in val.shape))

    def arg(self, value: Any) -> Any:
        """An FX argument → TensorArg, SymExpr, or plain Python value."""
        import torch.fx

        if isinstance(value, torch.fx.Node):
            mapped = self.values[value.name]
            if isinstance(mapped, str) and not isinstance(mapped, SymExpr) \
                    and mapped in self.types:
                return TensorArg(mapped, self.types[mapped])
            if isinstance(mapped, list):
                return [TensorArg(m, self.types[m]) for m in mapped]
            return mapped
        if isinstance(value, (list, tuple)):
            return type(value)(self.arg(v) for v in value)
        if isinstance(value, dict):
            return {k: self.arg(v) for k, v in value.items()}
        return value

    # -- placeholders ---------------------------------------------------------------------------

    def placeholders(self) -> None:
        import torch

        sig = self.program.graph_signature
        kinds = {spec.arg.name: spec for spec in sig.input_specs}
        state = self.program.state_dict
        constants = getattr(self.program, "constants", {})
        for node in self.program.graph_module.graph.nodes:
            # A get_attr with a spec is a constant tensor of a torch.compile graph.
            if node.op != "placeholder" and not (node.op == "get_attr" and node.name in kinds):
                continue
            spec = kinds[node.name]
            val = node.meta.get("val")
            kind = spec.kind.name
            if kind == "TOKEN":
                self.values[node.name] = _TOKEN
                continue
            if kind == "SIZE":  # a symbolic size argument (torch.compile graphs): its symbol
                self.values[node.name] = self.namer.scalar(val)
                continue
            if kind == "USER_INPUT":
                if not isinstance(val, torch.Tensor):
                    raise CaptureError(
                        f"input {node.name!r} is a {type(val).__name__}; hwsdk captures tensor "
                        "inputs only: pass Python values through the module's __init__"
                    )
                self.inputs.append(node.name)
            else:
                tensor = state[spec.target] if spec.target in state else constants.get(
                    spec.target)
                if not isinstance(tensor, torch.Tensor):
                    raise CaptureError(
                        f"cannot find the tensor for {kind.lower()} {spec.target}; register "
                        "it as a parameter or buffer of the module")
                self.params.append(node.name)
                self.param_data[node.name] = tensor.detach()
                val = tensor
            self.values[node.name] = node.name
            self.types[node.name] = self.tensor_type(val)

    # -- call_function --------------------------------------------------------------------------

    def call(self, node: Any) -> None:
        import torch

        val = node.meta.get("val")
        if node.target is operator.getitem:
            self.values[node.name] = self.values[node.args[0].name][node.args[1]]
            return
        target = overload_name(node.target)
        if isinstance(val, (torch.SymInt, torch.SymFloat, torch.SymBool, int, float)):
            self.values[node.name] = scalar = self.namer.scalar(val)
            if target == _ITEM and isinstance(scalar, SymExpr) and _UNBACKED.fullmatch(scalar):
                self.unbacked.setdefault(str(scalar), (self.values[node.args[0].name], None))
            return
        if target in DROPPED:
            return
        if node.target is torch.ops.higher_order.with_effects:
            self.effect(node)
            return
        source = _source(node, target)
        args = self.arg(tuple(node.args))
        kwargs = {k: self.arg(v) for k, v in node.kwargs.items()}
        out_vals = list(val) if isinstance(val, (tuple, list)) else [val]
        multi = isinstance(val, (tuple, list))
        opdef = op_for_aten(target)
        converted = self.convert(opdef, target, args, kwargs, node, out_vals)
        if opdef is None or not isinstance(converted, tuple):
            reason = converted if isinstance(converted, str) else ""
            self.torch_op(node, target, args, kwargs, out_vals, source, reason=reason)
            return
        inputs, attrs, n_out = converted
        names = [i.name if isinstance(i, TensorArg) else "" for i in inputs]
        outs = [node.name if n_out == 1 and not multi else f"{node.name}.{i}"
                for i in range(n_out)]
        ir_node = Node(id=node.name, op=opdef.name, inputs=names, attrs=attrs, outputs=outs,
                       source=source)
        self.add(node, ir_node, out_vals[:n_out], multi=multi)

    def convert(self, opdef: OpDef | None, target: str, args: Any, kwargs: Any, node: Any,
                out_vals: list[Any]) -> tuple[list[Any], dict[str, Any], int] | str | None:
        """The op set's (inputs, attrs, output count) for this call, or why it stays opaque.

        The one rule for converters: a call a converter cannot express becomes a ``torch_op``
        with the reason, whatever the converter does (declines, raises, or yields attrs the
        op's type inference rejects or disagrees with); it never aborts the capture.

        :returns: the conversion; a reason (str) for a ``torch_op``; None when no core op maps
            ``target``.
        """
        if opdef is None:
            return None
        if self._uses_unbacked((args, kwargs)):
            return "its arguments use a data-dependent size, which only PyTorch can bind"
        try:
            result = self._convert(opdef, target, args, kwargs, node, out_vals)
        except Exception as exc:  # a converter's failure only means "not expressible"
            return f"the {opdef.name} converter cannot express this call: " \
                   f"{type(exc).__name__}: {exc}"
        return result

    def _convert(self, opdef: OpDef, target: str, args: Any, kwargs: Any, node: Any,
                 out_vals: list[Any]) -> tuple[list[Any], dict[str, Any], int] | str:
        converted = opdef.aten[target](args, kwargs)
        if converted is None:
            return f"{opdef.name} does not express these arguments of {target}"
        inputs, attrs = converted
        if any(not (i == "" or i is None or isinstance(i, TensorArg)) for i in inputs):
            return f"{opdef.name} takes tensor inputs only, and this call passes a scalar"
        attrs = opdef.check_attrs(attrs)
        # A symbolic value in an attr the op cannot evaluate at run time: keep it opaque.
        if any(contains_sym(v) for k, v in attrs.items() if k not in opdef.sym_attrs) \
                or self._uses_unbacked(attrs):
            return f"an attr of {opdef.name} would be symbolic, and it takes only integers"
        n_out = opdef.num_outputs or len(out_vals)
        if n_out < len(out_vals) and not all(
                u.target is operator.getitem and u.args[1] < n_out for u in node.users):
            return f"the call's extra outputs are used, and {opdef.name} has {n_out}"
        mismatch = _infer_mismatch(opdef, inputs, attrs, out_vals[:n_out],
                                   [self.tensor_type(v) for v in out_vals[:n_out]])
        if mismatch:
            return mismatch
        return list(inputs), attrs, n_out

    def effect(self, node: Any) -> None:
        """``with_effects(token, op, *args)``: torch.export's wrapper of a side-effecting call.

        :raises CaptureError: for an effect other than the assertions in :data:`DROPPED`.
        """
        inner = overload_name(node.args[1])
        if inner not in DROPPED:
            raise CaptureError(
                f"{inner} at {_source(node, inner).location() or node.name} has side effects "
                "(torch.export threads an effect token through it); hwsdk compiles pure "
                "graphs: move that call out of forward")
        self.values[node.name] = [_TOKEN, None]

    def torch_op(self, node: Any, target: str, args: Any, kwargs: Any, out_vals: list[Any],
                 source: Source, reason: str = "") -> None:
        import torch

        inputs: list[str] = []
        encoded_args = encode(args, inputs, self.unbacked)
        encoded_kwargs = encode(kwargs, inputs, self.unbacked)
        if not all(isinstance(v, torch.Tensor) for v in out_vals):
            kinds = ", ".join(type(v).__name__ for v in out_vals)
            raise CaptureError(
                f"{target} at {source.location() or source.module_path or node.name} returns "
                f"({kinds}); hwsdk represents ops returning tensors only: compute that value "
                "outside the model or replace the call"
            )
        multi = isinstance(node.meta.get("val"), (tuple, list))
        outs = [f"{node.name}.{i}" if multi else node.name for i in range(len(out_vals))]
        attrs = {"target": target, "args": encoded_args, "kwargs": encoded_kwargs,
                 "multi": multi}
        if reason:
            attrs["reason"] = reason
        ir_node = Node(id=node.name, op=TORCH_OP, inputs=inputs, attrs=attrs, outputs=outs,
                       source=source)
        self.add(node, ir_node, out_vals, multi=multi)

    def _uses_unbacked(self, value: Any) -> bool:
        """True when ``value`` mentions a data-dependent symbol (only torch_op can bind it)."""
        if isinstance(value, str):
            return bool(self.unbacked) and not symbols_in(value).isdisjoint(self.unbacked)
        if isinstance(value, (list, tuple)):
            return any(self._uses_unbacked(v) for v in value)
        if isinstance(value, dict):
            return any(self._uses_unbacked(v) for v in value.values())
        return False

    def add(self, node: Any, ir_node: Node, out_vals: list[Any], multi: bool) -> None:
        for name, val in zip(ir_node.outputs, out_vals, strict=True):
            self.types[name] = self.tensor_type(val)
            for k, dim in enumerate(self.types[name].shape):
                if isinstance(dim, str) and _UNBACKED.fullmatch(dim):
                    self.unbacked.setdefault(dim, (name, k))
        self.values[node.name] = list(ir_node.outputs) if multi else ir_node.outputs[0]
        self.nodes.append(ir_node)

    def translate(self) -> Graph:
        self.placeholders()
        outputs: list[str] = []
        for node in self.program.graph_module.graph.nodes:
            if node.op == "call_function":
                self.call(node)
            elif node.op == "output":
                outputs = self.outputs(node)
        return Graph(inputs=self.inputs, outputs=outputs, nodes=self.nodes, types=self.types,
                     params=self.params, param_data=self.param_data,
                     opset_version=OPSET_VERSION)

    def outputs(self, node: Any) -> list[str]:
        """The graph's outputs; how they become the model's is left in :attr:`output_plan`.

        :raises CaptureError: for an update of a parameter or buffer in place, and for an
            output that is neither a tensor nor a number hwsdk can recompute.
        """
        specs = self.program.graph_signature.output_specs
        result: list[str] = []
        leaves: list[int | NumberOutput] = []
        updated: list[tuple[str, str]] = []  # (new value, input name)
        for spec, arg in zip(specs, node.args[0], strict=True):
            kind = spec.kind.name
            if kind == "TOKEN":
                continue
            if kind == "USER_INPUT_MUTATION" and spec.target in self.inputs:
                updated.append((self._tensor_output(arg, required=True), spec.target))
                continue
            if kind != "USER_OUTPUT":
                raise CaptureError(
                    f"the model mutates {spec.target} in place ({kind}); hwsdk keeps weights "
                    "and buffers constant: pass that buffer as an input (updated inputs are "
                    "written back after each call) or remove the in-place update"
                )
            value = self._tensor_output(arg)
            if value:
                leaves.append(len(result))
                result.append(value)
            else:
                leaves.append(self._number_output(arg, result))
        mutations = []
        for value, name in updated:
            mutations.append((len(result), self.inputs.index(name)))
            result.append(value)
        self.output_plan = OutputPlan(leaves, mutations)
        return result

    def _tensor_output(self, arg: Any, required: bool = False) -> str:
        """The IR value an output names ("" when it is not a tensor, unless ``required``)."""
        import torch.fx

        mapped = self.values.get(arg.name) if isinstance(arg, torch.fx.Node) else None
        if isinstance(mapped, str) and not isinstance(mapped, SymExpr) and mapped in self.types:
            return mapped
        if required:
            raise CaptureError(
                f"model output {arg!r} is not a tensor; return tensors (or pytrees of them)")
        return ""

    def _number_output(self, arg: Any, result: list[str]) -> NumberOutput:
        """A Python-number output: a constant, or an expression over the inputs' dim symbols
        and the values of tensors read with ``.item()`` (appended to ``result``)."""
        import torch
        import torch.fx

        if arg is None or isinstance(arg, (bool, int, float)):
            return NumberOutput(value=arg)
        if not isinstance(arg, torch.fx.Node):
            raise CaptureError(
                f"model output {arg!r} is not a tensor; return tensors (or pytrees of them)")
        val = arg.meta.get("val")
        mapped = self.values.get(arg.name)
        if isinstance(mapped, (bool, int, float)) and not isinstance(val, torch.Tensor):
            return NumberOutput(value=mapped)
        dims = {d for name in self.inputs for d in self.types[name].shape
                if isinstance(d, str) and d.isidentifier()}  # what the input guard binds
        if not isinstance(mapped, SymExpr) or isinstance(val, torch.SymBool) or not (
                symbols_in(mapped) <= dims | set(self.unbacked)):
            kind = type(val).__name__.removeprefix("Sym").lower()
            where = _source(arg, overload_name(arg.target))
            raise non_tensor_output(kind, where.location() or arg.name)
        reads: dict[str, tuple[int, int | None]] = {}
        for symbol in sorted(symbols_in(mapped) & set(self.unbacked)):
            source, dim = self.unbacked[symbol]
            if source not in result:
                result.append(source)
            reads[symbol] = (result.index(source), dim)
        return NumberOutput(expr=str(mapped), reads=reads)


def _infer_mismatch(opdef: OpDef, inputs: list[Any], attrs: dict[str, Any],
                    vals: list[Any], expected: list[TensorType]) -> str:
    """Why the op's type inference contradicts torch's result types ("" when it agrees).

    Dtypes, ranks and static sizes must agree; symbolic sizes are compared by torch's
    guards at run time, so their spelling may differ here.
    """
    types = [i.type for i in inputs if isinstance(i, TensorArg)]
    inferred = opdef.infer(types, attrs)
    for got, want in zip(inferred, expected, strict=False):
        same_dims = all(g == w for g, w in zip(got.shape, want.shape, strict=False)
                        if isinstance(g, int) and isinstance(w, int))
        if got.dtype != want.dtype or got.rank != want.rank or not same_dims:
            return f"{opdef.name} would compute {got}, but PyTorch computes {want}"
    return "" if len(inferred) >= len(vals) else f"{opdef.name} has too few outputs"


def overload_name(target: Any) -> str:
    """``torch.ops.aten.add.Tensor`` → ``"aten.add.Tensor"``; other callables → str()."""
    name = getattr(target, "_name", None)  # OpOverload: "aten::add.Tensor"
    if isinstance(name, str) and "::" in name:
        ns, rest = name.split("::", 1)
        overload = getattr(target, "_overloadname", "default") or "default"
        packet = rest.split(".")[0]
        return f"{ns}.{packet}.{overload}"
    return str(target)


def _source(node: Any, aten: str) -> Source:
    stack = node.meta.get("nn_module_stack") or {}
    module_path, module_type = "", ""
    if stack:
        path, kind = list(stack.values())[-1]
        module_path = str(path)
        module_type = getattr(kind, "__name__", str(kind)).rsplit(".", 1)[-1].rstrip("'>")
    file, line = "", 0
    trace = node.meta.get("stack_trace") or ""
    frames = [(f, n) for f, n in _FRAME.findall(trace) if _is_user_frame(f)]
    if frames:
        file, line_text = frames[-1]
        line = int(line_text)
    return Source(module_path=module_path, module_type=module_type, file=file, line=line,
                  aten=aten)


def _is_user_frame(file: str) -> bool:
    """Frames inside torch itself, hwsdk or generated code say nothing to the user.

    Judged by the installed packages' real folders, not by folder names: a user's model under
    ``~/hwsdk/`` or ``~/torch/`` keeps its file:line.
    """
    if file.startswith("<"):
        return False
    real = os.path.realpath(file)
    return not any(real == root or real.startswith(root + os.sep) for root in _library_roots())


@functools.lru_cache(maxsize=1)
def _library_roots() -> tuple[str, ...]:
    import torch

    import hwsdk

    return tuple(os.path.realpath(os.path.dirname(module.__file__ or ""))
                 for module in (torch, hwsdk))


def encode(value: Any, inputs: list[str], unbacked: dict[str, Binding] | None = None) -> Any:
    """Encode ATen call arguments as JSON.

    Tensors become ``{"$in": k}`` (index into ``inputs``), symbolic ints ``{"$sym": expr}``,
    symbolic floats ``{"$symf": expr}``, dtypes ``{"$dtype": name}``; a plain string stays a
    string (``"tanh"``, ``"floor"``). An expression over data-dependent symbols also carries
    ``"$bind": {symbol: [k, dim]}``: the symbol is dim ``dim`` of input ``k`` (or, with dim
    None, input ``k``'s value), and that tensor becomes an input of the node.
    """
    import torch

    if isinstance(value, TensorArg):
        return {"$in": _input_index(value.name, inputs)}
    if isinstance(value, SymExpr):
        out: dict[str, Any] = {"$symf" if isinstance(value, SymFloatExpr) else "$sym": str(value)}
        used = sorted(symbols_in(value) & set(unbacked or {}))
        if used and unbacked is not None:
            out["$bind"] = {s: [_input_index(unbacked[s][0], inputs), unbacked[s][1]]
                            for s in used}
        return out
    if isinstance(value, (list, tuple)):
        return [encode(v, inputs, unbacked) for v in value]
    if isinstance(value, dict):
        return {k: encode(v, inputs, unbacked) for k, v in value.items()}
    if isinstance(value, torch.dtype):
        return {"$dtype": from_torch(value).value}
    if isinstance(value, torch.device):
        return {"$device": str(value)}
    if isinstance(value, (torch.layout, torch.memory_format)):
        return {"$torch": str(value).removeprefix("torch.")}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise CaptureError(f"cannot represent argument {value!r} of type {type(value).__name__}")


def _input_index(name: str, inputs: list[str]) -> int:
    if name not in inputs:
        inputs.append(name)
    return inputs.index(name)
