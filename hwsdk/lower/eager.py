"""The old import path of the eager interpreter, which now lives in :mod:`hwsdk.ir.eager`.

Kept so that plugins written against it keep importing; new code imports ``hwsdk.ir.eager``
(vendors: :mod:`hwsdk.plugin`).
"""

from hwsdk.ir.eager import aten_callable, decode_args, has_symbolic_attrs, resolve_attrs, run_node

__all__ = ["run_node", "resolve_attrs", "aten_callable", "decode_args", "has_symbolic_attrs"]
