"""``hwsdk.export_onnx``: a whole model, through the IR, to one ONNX file."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from hwsdk.errors import UnsupportedOpsError

__all__ = ["export_onnx"]


def export_onnx(model: Any, example_inputs: Sequence[Any], path: str | os.PathLike[str],
                dynamic_shapes: Any = None) -> Any:
    """Capture ``model`` into the IR and write it as one ONNX model (opset 18, weights inside).

    The ONNX inputs and outputs are the flattened model inputs and outputs, in order, named as
    in the IR. Symbolic dims become ``dim_param`` names; shapes that depend on them are computed
    inside the model from its inputs' shapes.

    :param model: a ``torch.nn.Module`` (call ``.eval()`` first).
    :param example_inputs: a tuple of example tensors.
    :param path: the ``.onnx`` file to write.
    :param dynamic_shapes: passed to ``torch.export.export``.
    :returns: the ``onnx.ModelProto`` written.
    :raises UnsupportedOpsError: listing every node (op, module path, reason) that has no ONNX
        form; nothing is written then.
    """
    import onnx

    from hwsdk.ir.capture import capture
    from hwsdk.lower.onnx import lower, unsupported_reason

    graph = capture(model, example_inputs, dynamic_shapes=dynamic_shapes).graph
    problems = [(node, reason) for node in graph.nodes
                if (reason := unsupported_reason(node, graph))]
    if problems:
        lines = [f"  {node.id} {node.op} ({node.source.module_path or '-'}): {reason}"
                 for node, reason in problems]
        ops = sorted({node.attrs.get("target", node.op) if node.op == "torch_op" else node.op
                      for node, _ in problems})
        raise UnsupportedOpsError(
            f"{type(model).__name__} cannot be exported to ONNX: {len(problems)} node(s) do not "
            f"lower ({', '.join(ops)}):\n" + "\n".join(lines)
            + "\nUse hwsdk.compile to run them in PyTorch, or change the model.")
    lowered = lower(graph, graph.nodes, graph.inputs, graph.outputs,
                    name=type(model).__name__)
    if lowered.symbols:
        raise UnsupportedOpsError(
            f"{type(model).__name__} uses symbolic dims {lowered.symbols} that no input shape "
            "carries, so the ONNX model could not compute them; export with static shapes")
    onnx.save(lowered.model, os.fspath(path))
    return lowered.model
