"""hwsdk's reading of which XLA (HLO) operators each core op lowers to under torch-xla.

This map is hwsdk's own (not a vendor file): it is how the generator connects a core op to
the neuronx-cc "Supported XLA Operators" table in compiler.rst. Names are spelled as in that
table. An op needing an operator the table does not list is ``unknown`` (the table is a
partial, 2022-era list; ``neuronx-cc list-operators`` gives the current one). An empty tuple
means the op lowers to no computation (an alias or a copy).
"""

from __future__ import annotations

HLO: dict[str, tuple[str, ...]] = {
    "abs": ("Abs",),
    "adaptive_avg_pool2d": ("ReduceWindow", "Div"),
    "add": ("Add",),
    "addmm": ("DotGeneral", "Add"),
    "amax": ("Reduce",),
    "amin": ("Reduce",),
    "arange": ("Iota", "Mul", "Add"),
    "argmax": ("Reduce",),
    "avg_pool2d": ("ReduceWindow", "Div"),
    "batch_norm": ("Batchnorminference",),
    "cast": ("ConvertElementType",),
    "cat": ("Concatenate",),
    "clamp": ("Clamp",),
    "conv": ("Convolution",),
    "copy": (),
    "cos": ("Cos",),
    "cumsum": ("ReduceWindow",),
    "div": ("Div",),
    "embedding": ("Gather",),
    "eq": ("Compare",),
    "erf": ("Erf",),
    "exp": ("Exp",),
    "expand": ("BroadcastInDim",),
    "full": ("Constant", "Broadcast"),
    "gather": ("Gather",),
    "ge": ("Compare",),
    "gelu": ("Erf", "Mul", "Add"),
    "gt": ("Compare",),
    "index_copy": ("Scatter",),
    "index_select": ("Gather",),
    "layer_norm": ("Reduce", "Sub", "Mul", "Add", "Rsqrt", "BroadcastInDim"),
    "le": ("Compare",),
    "linear": ("DotGeneral", "Transpose", "Add"),
    "log": ("Log",),
    "log_softmax": ("Reduce", "Sub", "Exp", "Log"),
    "logical_and": ("LogicalAnd",),
    "logical_not": ("LogicalNot",),
    "logical_or": ("Or",),
    "lt": ("Compare",),
    "matmul": ("DotGeneral",),
    "max_pool2d": ("ReduceWindow",),
    "maximum": ("Max",),
    "mean": ("Reduce", "Div"),
    "minimum": ("Min",),
    "mul": ("Mul",),
    "ne": ("Compare",),
    "neg": ("Neg",),
    "permute": ("Transpose",),
    "pow": ("Pow",),
    "reciprocal": ("Div",),
    "relu": ("Max",),
    "reshape": ("Reshape",),
    "rms_norm": ("Mul", "Reduce", "Add", "Rsqrt", "BroadcastInDim"),
    "rsqrt": ("Rsqrt",),
    "scaled_dot_product_attention": ("DotGeneral", "Reduce", "Sub", "Exp", "Div", "Mul",
                                     "Add", "Select"),
    "select": ("Slice", "Reshape"),
    "sigmoid": ("Logistic",),
    "silu": ("Logistic", "Mul"),
    "sin": ("Sin",),
    "slice": ("Slice",),
    "softmax": ("Reduce", "Sub", "Exp", "Div"),
    "split": ("Slice",),
    "sqrt": ("Sqrt",),
    "squeeze": ("Reshape",),
    "sub": ("Sub",),
    "sum": ("Reduce",),
    "tanh": ("Tanh",),
    "tril": ("Iota", "Compare", "Select"),
    "triu": ("Iota", "Compare", "Select"),
    "unsqueeze": ("Reshape",),
    "where": ("Select",),
}

REDUCE_OTHER_COMPUTATION = {"argmax": "an index-tracking (argmax) reduction"}
"""Ops whose Reduce computation is not Min, Max, Add or Mul (compiler.rst: the only ones)."""

PREDICATE_OPS = frozenset({"Compare", "Select", "LogicalAnd", "LogicalNot"})
"""Operators that consume or produce XLA predicates (PRED): their ops take bool tensors."""
