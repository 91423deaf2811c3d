"""Capture: nn.Module + example inputs → IR Graph, through torch.export (non-strict).

Steps: check the inputs → ``torch.export.export`` → decompose to the core op set while keeping
the composite ops vendors accelerate whole → translate every ATen call through the op set's
ATen map (anything unmapped becomes an opaque ``torch_op``) → fold constant subgraphs.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hwsdk.errors import CaptureError, InvalidArgumentError, UnsupportedDtypeError
from hwsdk.ir.dtypes import DType, from_torch
from hwsdk.ir.graph import Graph, Node, Source, TensorType
from hwsdk.ir.opdef import OPSET_VERSION, TORCH_OP, TensorArg, get_op, op_for_aten

__all__ = ["Captured", "capture", "KEEP_WHOLE", "check_example_inputs"]

# Composite ATen ops kept whole through decomposition: the ops vendors accelerate as one kernel.
KEEP_WHOLE = (
    "linear.default", "conv1d.default", "conv2d.default", "conv3d.default", "layer_norm.default",
    "rms_norm.default", "softmax.int", "log_softmax.int", "gelu.default", "silu.default",
    "scaled_dot_product_attention.default", "embedding.default", "matmul.default",
    "max_pool2d.default", "adaptive_avg_pool2d.default", "batch_norm.default", "hardtanh.default",
)
_DROPPED = {"aten._assert_tensor_metadata.default", "aten._assert_scalar.default",
            "aten.sym_constrain_range_for_size.default", "aten._assert_async.msg",
            "aten.sym_constrain_range.default"}
FOLD_LIMIT_ELEMENTS = 1 << 22
_FRAME = re.compile(r'File "([^"]+)", line (\d+)')


@dataclass
class Captured:
    """The result of capture: the IR graph plus what the runtime needs to call it like the model."""

    graph: Graph
    in_spec: Any
    out_spec: Any
    input_types: list[TensorType]
    symbol_names: dict[str, str] = field(default_factory=dict)


def check_example_inputs(example_inputs: Any) -> tuple[Any, ...]:
    """Validate example inputs: a tuple (or list) of tensors and pytrees of tensors.

    :raises InvalidArgumentError: for a non-tuple.
    :raises UnsupportedDtypeError: for float64 or complex tensors.
    """
    import torch
    from torch.utils._pytree import tree_leaves

    if isinstance(example_inputs, torch.Tensor):
        example_inputs = (example_inputs,)
    if not isinstance(example_inputs, (tuple, list)):
        raise InvalidArgumentError(
            f"example_inputs must be a tuple of tensors, got {type(example_inputs).__name__}; "
            "wrap a single tensor as (x,)"
        )
    for i, leaf in enumerate(tree_leaves(tuple(example_inputs))):
        if isinstance(leaf, torch.Tensor):
            if leaf.dtype == torch.float64:
                raise UnsupportedDtypeError(
                    f"example input #{i} is float64; hwsdk targets compute in float32 or "
                    "narrower: call model.float() and pass x.float()"
                )
            if leaf.is_complex():
                raise UnsupportedDtypeError(
                    f"example input #{i} is {leaf.dtype}; complex tensors are not supported: "
                    "split real and imaginary parts (torch.view_as_real) before the model"
                )
    return tuple(example_inputs)


def _decomposition_table() -> dict[Any, Any]:
    import torch

    table = torch.export.default_decompositions()
    for name in KEEP_WHOLE:
        packet, overload = name.split(".")
        op = getattr(getattr(torch.ops.aten, packet), overload)
        table.pop(op, None)
    return table


def export_program(model: Any, example_inputs: tuple[Any, ...],
                   dynamic_shapes: Any = None) -> Any:
    """Run torch.export (non-strict) and decompose to what the core op set maps.

    :raises CaptureError: naming the cause, with the original exception chained.
    """
    import torch

    if not isinstance(model, torch.nn.Module):
        raise InvalidArgumentError(
            f"model must be a torch.nn.Module, got {type(model).__name__}; wrap a function in "
            "an nn.Module whose forward calls it"
        )
    try:
        program = torch.export.export(model, example_inputs, dynamic_shapes=dynamic_shapes,
                                      strict=False)
    except Exception as exc:  # torch.export raises many types; all mean "cannot capture"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = _capture_hint(exc)
        raise CaptureError(
            f"torch.export could not capture {type(model).__name__}: {type(exc).__name__}: "
            f"{first}. {hint}"
        ) from exc
    try:
        return program.run_decompositions(_decomposition_table())
    except Exception as exc:
        raise CaptureError(
            f"decomposing {type(model).__name__} to ATen core ops failed: {exc}"
        ) from exc


def _capture_hint(exc: BaseException) -> str:
    text = str(exc)
    if "data-dependent" in text or "GuardOnDataDependent" in type(exc).__name__:
        return ("The model branches on tensor values; replace Python `if` on tensors with "
                "torch.where / torch.cond, or move that logic out of forward.")
    if "Constraints violated" in text or "dynamic" in text.lower():
        return ("A dim marked dynamic was specialized; check dynamic_shapes against what "
                "the model does with that dim.")
    return ("Make forward traceable by torch.export (no data-dependent Python control flow, "
            "tensor or pytree inputs and outputs); the chained exception has the details.")


class _Translator:
    """Walks an ExportedProgram's FX graph and builds the IR graph."""

    def __init__(self, program: Any) -> None:
        self.program = program
        self.values: dict[str, Any] = {}  # FX node name → IR value name | list | sym str
        self.types: dict[str, TensorType] = {}
        self.nodes: list[Node] = []
        self.inputs: list[str] = []
        self.params: list[str] = []
        self.param_data: dict[str, Any] = {}

    # -- helpers --------------------------------------------------------------------------------

    @staticmethod
    def tensor_type(val: Any, what: str) -> TensorType:
        return TensorType(from_torch(val.dtype), tuple(_dim(d) for d in val.shape))

    def arg(self, value: Any) -> Any:
        """An FX argument → TensorArg, symbolic dim string, or plain Python value."""
        import torch.fx

        if isinstance(value, torch.fx.Node):
            mapped = self.values[value.name]
            if isinstance(mapped, str) and mapped in self.types:
                return TensorArg(mapped, self.types[mapped])
            return mapped
        if isinstance(value, (list, tuple)):
            return type(value)(self.arg(v) for v in value)
        return value

    # -- placeholders ---------------------------------------------------------------------------

    def placeholders(self) -> None:
        import torch

        sig = self.program.graph_signature
        kinds = {spec.arg.name: spec for spec in sig.input_specs}
        state = self.program.state_dict
        constants = getattr(self.program, "constants", {})
        for node in self.program.graph_module.graph.nodes:
            if node.op != "placeholder":
                continue
            spec = kinds[node.name]
            val = node.meta.get("val")
            kind = spec.kind.name
            if kind == "USER_INPUT":
                if not isinstance(val, torch.Tensor):
                    raise CaptureError(
                        f"input {node.name!r} is a {type(val).__name__}; hwsdk captures tensor "
                        "inputs only: pass Python values through the module's __init__"
                    )
                self.inputs.append(node.name)
            else:
                tensor = state.get(spec.target) if spec.target in state else constants.get(
                    spec.target)
                if not isinstance(tensor, torch.Tensor):
                    raise CaptureError(f"cannot find the tensor for {kind.lower()} {spec.target}")
                self.params.append(node.name)
                self.param_data[node.name] = tensor.detach()
                val = tensor
            self.values[node.name] = node.name
            self.types[node.name] = self.tensor_type(val, node.name)

    # -- call_function --------------------------------------------------------------------------

    def call(self, node: Any) -> None:
        import torch

        val = node.meta.get("val")
        if node.target is operator.getitem:
            self.values[node.name] = self.values[node.args[0].name][node.args[1]]
            return
        if isinstance(val, (torch.SymInt, torch.SymFloat, torch.SymBool, int, float)) and not \
                isinstance(val, bool) and not isinstance(val, torch.Tensor):
            self.values[node.name] = _dim(val)
            return
        target = _overload_name(node.target)
        if target in _DROPPED:
            return
        source = _source(node, target)
        args = self.arg(tuple(node.args))
        kwargs = {k: self.arg(v) for k, v in node.kwargs.items()}
        out_vals = list(val) if isinstance(val, (tuple, list)) else [val]
        opdef = op_for_aten(target)
        converted = opdef.aten[target](args, kwargs) if opdef is not None else None
        if converted is not None and opdef is not None:
            inputs, attrs = converted
            n_out = opdef.num_outputs or len(out_vals)
            if n_out < len(out_vals) and not self._only_first_used(node, n_out):
                converted = None
        if converted is None or opdef is None:
            self.torch_op(node, target, args, kwargs, out_vals, source)
            return
        names = [i.name if isinstance(i, TensorArg) else "" for i in inputs]
        outs = [f"{node.name}" if n_out == 1 else f"{node.name}.{i}" for i in range(n_out)]
        ir_node = Node(id=node.name, op=opdef.name, inputs=names,
                       attrs=opdef.check_attrs(attrs), outputs=outs, source=source)
        self.add(node, ir_node, out_vals[:n_out], multi=isinstance(val, (tuple, list)))

    @staticmethod
    def _only_first_used(node: Any, n: int) -> bool:
        return all(u.target is operator.getitem and u.args[1] < n for u in node.users)

    def torch_op(self, node: Any, target: str, args: Any, kwargs: Any, out_vals: list[Any],
                 source: Source) -> None:
        import torch

        inputs: list[str] = []
        encoded_args = _encode(args, inputs)
        encoded_kwargs = _encode(kwargs, inputs)
        tensors = [v for v in out_vals if isinstance(v, torch.Tensor)]
        if len(tensors) != len(out_vals):
            raise CaptureError(
                f"{target} at {source.location() or source.module_path} returns non-tensor "
                "values; hwsdk cannot represent it"
            )
        multi = isinstance(node.meta.get("val"), (tuple, list))
        outs = [f"{node.name}.{i}" if multi else node.name for i in range(len(out_vals))]
        ir_node = Node(id=node.name, op=TORCH_OP, inputs=inputs,
                       attrs={"target": target, "args": encoded_args, "kwargs": encoded_kwargs,
                              "multi": multi},
                       outputs=outs, source=source)
        self.add(node, ir_node, out_vals, multi=multi)

    def add(self, node: Any, ir_node: Node, out_vals: list[Any], multi: bool) -> None:
        for name, val in zip(ir_node.outputs, out_vals, strict=True):
            self.types[name] = self.tensor_type(val, name)
        self.values[node.name] = list(ir_node.outputs) if multi else ir_node.outputs[0]
        self.nodes.append(ir_node)

    def translate(self) -> tuple[Graph, list[str]]:
        self.placeholders()
        outputs: list[str] = []
        for node in self.program.graph_module.graph.nodes:
            if node.op == "call_function":
                self.call(node)
            elif node.op == "output":
                outputs = self.outputs(node)
        graph = Graph(inputs=self.inputs, outputs=outputs, nodes=self.nodes, types=self.types,
                      params=self.params, param_data=self.param_data,
                      opset_version=OPSET_VERSION)
        return graph, outputs

    def outputs(self, node: Any) -> list[str]:
        import torch.fx

        specs = self.program.graph_signature.output_specs
        result = []
        for spec, arg in zip(specs, node.args[0], strict=True):
            if spec.kind.name != "USER_OUTPUT":
                raise CaptureError(
                    f"the model mutates {spec.target} in place ({spec.kind.name}); hwsdk "
                    "compiles inference graphs: remove the in-place update of that buffer"
                )
            if not isinstance(arg, torch.fx.Node) or not isinstance(self.values.get(arg.name), str):
                raise CaptureError(
                    f"model output {arg!r} is not a tensor; return tensors (or pytrees of them)"
                )
            result.append(self.values[arg.name])
        return result


def _dim(value: Any) -> int | str:
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)
    except Exception:  # a SymInt with no hint raises GuardOnDataDependentSymNode
        return str(value)


def _overload_name(target: Any) -> str:
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
    """Frames inside torch itself or generated code say nothing to the user."""
    return not (file.startswith("<") or "/torch/" in file or "/site-packages/hwsdk/" in file)


def _encode(value: Any, inputs: list[str]) -> Any:
    """Encode ATen call arguments as JSON; tensors become {"$in": k} into ``inputs``."""
    import torch

    if isinstance(value, TensorArg):
        if value.name not in inputs:
            inputs.append(value.name)
        return {"$in": inputs.index(value.name)}
    if isinstance(value, (list, tuple)):
        return [_encode(v, inputs) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v, inputs) for k, v in value.items()}
    if isinstance(value, torch.dtype):
        return {"$dtype": from_torch(value).value}
    if isinstance(value, torch.device):
        return {"$device": str(value)}
    if isinstance(value, (torch.layout, torch.memory_format)):
        return {"$torch": str(value).removeprefix("torch.")}
    if isinstance(value, str) and not isinstance(value, bool):
        return {"$sym": value} if _looks_symbolic(value) else value
    if value is None or isinstance(value, (bool, int, float)):
        return value
    raise CaptureError(f"cannot represent argument {value!r} of type {type(value).__name__}")


def _looks_symbolic(text: str) -> bool:
    return bool(re.fullmatch(r"[\w\s\+\-\*/\(\),]+", text)) and bool(re.search(r"\bs\d+", text))


def fold_constants(graph: Graph) -> None:
    """Evaluate nodes whose inputs are all folded constants (or none) and whose outputs are
    static and small; their outputs become params. This removes mask and position-id building
    from statically shaped captures."""
    from hwsdk.lower.eager import run_node

    constant: set[str] = set()
    kept: list[Node] = []
    for node in graph.nodes:
        foldable = (
            all(not i or i in constant for i in node.inputs)
            and all(graph.types[o].is_static for o in node.outputs)
            and sum(graph.types[o].numel() or 0 for o in node.outputs) <= FOLD_LIMIT_ELEMENTS
            and (node.op != TORCH_OP or node.inputs or "rand" not in node.attrs["target"])
        )
        if not foldable:
            kept.append(node)
            continue
        values = run_node(node, [graph.param_data[i] if i else None for i in node.inputs], {})
        for name, value in zip(node.outputs, values, strict=True):
            graph.param_data[name] = value
            graph.params.append(name)
            constant.add(name)
    used = graph.values_used(kept) | set(graph.outputs)
    for name in list(constant):
        if name not in used:
            graph.params.remove(name)
            del graph.param_data[name]
            del graph.types[name]
    graph.nodes = kept


def capture(model: Any, example_inputs: Sequence[Any], dynamic_shapes: Any = None,
            kwargs: Mapping[str, Any] | None = None) -> Captured:
    """Capture ``model`` called on ``example_inputs`` into an IR graph.

    :param model: a ``torch.nn.Module`` in the mode it will run in (call ``.eval()`` first).
    :param example_inputs: a tuple of tensors (or pytrees of tensors).
    :param dynamic_shapes: passed to ``torch.export.export`` unchanged.
    :raises CaptureError: when torch.export cannot capture the model.
    """
    args = check_example_inputs(example_inputs)
    program = export_program(model, args, dynamic_shapes)
    graph, _ = _Translator(program).translate()
    fold_constants(graph)
    graph.validate()
    for node in graph.nodes:  # consistency of the op set's attrs and the capture
        if node.op != TORCH_OP:
            get_op(node.op)
    names = _symbol_names(graph)
    input_types = [graph.types[i] for i in graph.inputs]
    return Captured(graph=graph, in_spec=program.call_spec.in_spec,
                    out_spec=program.call_spec.out_spec, input_types=input_types,
                    symbol_names=names)


def _symbol_names(graph: Graph) -> dict[str, str]:
    """Symbol → 'input name dim k', the first place each symbol appears among inputs."""
    names: dict[str, str] = {}
    for name in graph.inputs:
        for k, d in enumerate(graph.types[name].shape):
            if isinstance(d, str) and d not in names:
                names[d] = f"{name} dim {k}"
    return names


_ = DType
