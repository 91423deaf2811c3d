"""``torch.compile(model, backend="hwsdk", options={...})``: Dynamo's graphs through hwsdk.

The backend is registered in the ``torch_dynamo_backends`` entry-point group, so the name
works without importing hwsdk first. See docs/torch-compile.md.

>>> compiled = torch.compile(model, backend="hwsdk", options={"target": "cpu"})  # doctest: +SKIP
>>> compiled(x); hwsdk.plans(compiled)                                          # doctest: +SKIP

Importing this package does not import torch.
"""

from __future__ import annotations

from hwsdk.dynamo.compiler import backend, cache_info
from hwsdk.dynamo.record import SubgraphPlan, plans, subgraph_plans

__all__ = ["backend", "plans", "subgraph_plans", "SubgraphPlan", "cache_info"]
