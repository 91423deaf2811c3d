"""Compiled regions: one OpenVINO compiled model per region, infer requests per thread, and
torch CPU tensors passed in and out without copies."""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from hwsdk.plugin import CompiledRegion, HugePages, Region, evaluate_shape
from hwsdk_intel.lowering import lower_region
from hwsdk_intel.options import IntelOptions

__all__ = ["OpenVINORegion", "core", "compile_region", "ACCUMULATION"]

ACCUMULATION = {
    "order": "sequential", "precision": "the inference precision (f32 by default)",
    "note": "OpenVINO's CPU ReduceSum/ReduceMean add the terms one after another: the "
            "relative error of a float32 sum of n terms grows up to n * 2^-24 (10^7 x 0.1: "
            "8.8 %), where PyTorch's cascade sum stays near log2(n) * 2^-24; see "
            "docs/numerics.md and docs/intel.md"}
"""The accumulation fact every CPU region with a sum or mean records in its compile details
(the kit's test_accumulation measured it; other devices are not measured, so not declared)."""

_SUMMING = frozenset({"sum", "mean"})

_CORE_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _core() -> Any:
    import openvino as ov

    return ov.Core()


def core() -> Any:
    """The process-wide ``openvino.Core`` (created on first use)."""
    with _CORE_LOCK:
        return _core()


_SHAPE_CACHE_SIZE = 4096
"""Distinct symbol environments whose output shapes a region remembers (then it starts over)."""

COPY_OUT_BYTES = 256 * 1024
"""An output smaller than this (at the region's first call) is copied out of the request's
own buffer after each call; a larger one is written straight into a torch tensor handed to
OpenVINO as the request's output buffer. Handing OpenVINO a new output buffer costs about
30 us per output per call (measured: 0.57 ms a decode step for an LLM's 17 outputs, the
logits and each layer's new keys and values), while copying costs about 30 us per 300 KB:
below this size the copy is the cheaper of the two."""

FUSED_LAYER_TYPES = ("RoPE", "ScaledDotProductAttention", "RMS", "LLMMLP", "QKVProjection")
"""Runtime layers OpenVINO's CPU plugin builds by fusing a pattern of ops (rotary embedding,
attention, RMS norm, MLP): whether a lowering's form let them match shows in the plan."""


def fused_layers(runtime_model: Any) -> dict[str, int]:
    """How many layers of each :data:`FUSED_LAYER_TYPES` a compiled model runs."""
    counts: dict[str, int] = {}
    for op in runtime_model.get_ordered_ops():
        info = op.get_rt_info()
        kind = info["layerType"].astype(str) if "layerType" in info else ""
        if kind in FUSED_LAYER_TYPES:
            counts[kind] = counts.get(kind, 0) + 1
    return counts


class OpenVINORegion(CompiledRegion):
    """A region compiled once by OpenVINO; safe to call from several threads at once.

    Each thread gets its own infer request. Inputs are wrapped as ``ov.Tensor`` over the
    torch tensors' memory (a non-contiguous input is copied first, and every array handed to
    OpenVINO is held until the request has run); an input that is the very tensor the
    request was given last call, still alive at the same address and shape (an LLM's KV
    cache, every decode step), stays bound as it is. A large output is a torch tensor
    allocated per call and handed to OpenVINO as the request's output buffer, so it is not
    copied; a small one (under :data:`COPY_OUT_BYTES` at the first call) is copied out of
    the request's own buffer, which is cheaper than a new buffer per call. Either way no call
    sees another call's results. Outputs whose shape cannot be computed ahead (a
    data-dependent dim) are copied out of the request too.
    """

    def __init__(self, region: Region, compiled: Any, lowering: Any,
                 details: Mapping[str, Any], pages: HugePages | None = None) -> None:
        super().__init__(details)
        import numpy as np
        import openvino as ov
        import torch

        from hwsdk.plugin import to_torch

        self.compiled = compiled
        self._local = threading.local()
        self._keep_alive = lowering.keep_alive  # weights shared with OpenVINO constants
        self._symbols = list(lowering.symbol_params)
        self._n_inputs = len(region.inputs)
        types = [region.type_of(name) for name in region.outputs]
        # (static shape or None, symbolic shape, torch dtype) per output
        self._outs = [([int(d) for d in t.shape] if t.is_static else None, t.shape,
                       to_torch(t.dtype)) for t in types]
        self._presized = all("?" not in str(t.shape) for t in types)
        self._copied_out: list[int] | None = None  # chosen at the first call, for every request
        self._dtypes = [dtype for _, _, dtype in self._outs]
        self._shape_cache: dict[tuple[tuple[str, int], ...], list[list[int]]] = {}
        self._passthrough = dict(lowering.passthrough)
        # (input index, dim, symbol) for each plain symbol an input's shape carries: a
        # data-dependent symbol (u0, the size of a mask's selection made by PyTorch) is never in
        # the call's env, so it is read off the input that carries it
        self._carried = [(i, d, dim) for i, name in enumerate(region.inputs)
                         for d, dim in enumerate(region.type_of(name).shape)
                         if isinstance(dim, str) and dim.isidentifier()]
        self._symbolic = any(static is None for static, _, _ in self._outs) or bool(self._symbols)
        # bound once: the per-call path is a few attribute loads, not imports
        self._Tensor, self._empty, self._from_numpy = ov.Tensor, torch.empty, torch.from_numpy
        self._scalar = lambda value: np.array(value, dtype=np.int64)
        self._pages = pages  # advised again after the first run (_advise_after_first_run)

    def _request(self) -> Any:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self.compiled.create_infer_request()
            # per input: (weak reference, address, shape) of the tensor bound in place
            self._local.bound = [None] * self._n_inputs
        return request

    def _still_bound(self, i: int, tensor: Any) -> bool:
        """Whether input ``i`` is bound to ``tensor``'s memory already. A weak reference: a
        tensor the caller dropped is never kept alive here, and a live one owns its memory."""
        seen = self._local.bound[i]
        return (seen is not None and seen[0]() is tensor and seen[1] == tensor.data_ptr()
                and seen[2] == tensor.shape)

    def _bind(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Mapping[str, int]:
        """``env`` plus the symbols it lacks that this region's inputs carry."""
        missing = {symbol: int(inputs[i].shape[d]) for i, d, symbol in self._carried
                   if symbol not in env}
        return {**env, **missing} if missing else env

    def _shapes_for(self, env: Mapping[str, int]) -> list[list[int]]:
        """Every output's shape under ``env``, evaluated once per distinct env (a decode loop
        sees one env per step length, so the symbolic shapes are not re-evaluated per call)."""
        key = tuple(sorted(env.items()))
        shapes = self._shape_cache.get(key)
        if shapes is None:
            if len(self._shape_cache) >= _SHAPE_CACHE_SIZE:
                self._shape_cache.clear()
            shapes = [static or evaluate_shape(shape, env) for static, shape, _ in self._outs]
            self._shape_cache[key] = shapes
        return shapes

    def _small_outputs(self, shapes: Sequence[Sequence[int]]) -> list[int]:
        """The outputs to copy out of the request (under :data:`COPY_OUT_BYTES`)."""
        return [i for i, (shape, dtype) in enumerate(zip(shapes, self._dtypes, strict=True))
                if math.prod(int(d) for d in shape) * dtype.itemsize < COPY_OUT_BYTES]

    def run(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        if self._symbolic:
            env = self._bind(inputs, env)
        request = self._request()
        tensor_of = self._Tensor
        set_input = request.set_input_tensor
        # An ov.Tensor made with shared_memory=True holds a raw pointer, not a reference: every
        # array handed to OpenVINO stays referenced here until infer() has returned
        held: list[Any] = []
        bound = self._local.bound
        for i, tensor in enumerate(inputs):
            if self._still_bound(i, tensor):
                continue
            given = tensor
            if not tensor.is_contiguous():
                tensor = tensor.contiguous()
            array = tensor.detach().numpy()
            held.append(array)
            set_input(i, tensor_of(array, shared_memory=True))
            # only the caller's own memory may stay bound past this call
            bound[i] = ((weakref.ref(given), given.data_ptr(), given.shape)
                        if tensor is given else None)
        for j, symbol in enumerate(self._symbols):
            set_input(self._n_inputs + j, tensor_of(self._scalar(env[symbol])))  # a copy
        if not self._presized:
            request.infer()
            outs = [inputs[self._passthrough[i]].clone() if i in self._passthrough else
                    self._from_numpy(request.get_output_tensor(i).data.copy())
                    for i in range(len(self._outs))]
            del held  # only now may the inputs' copies go
            if self._pages is not None:
                self._advise_after_first_run()
            return outs
        shapes = self._shapes_for(env)
        copied = self._copied_out
        if copied is None:
            copied = self._copied_out = self._small_outputs(shapes)
        outputs: list[Any] = [None] * len(shapes)
        set_output = request.set_output_tensor
        empty = self._empty
        for i, (shape, dtype) in enumerate(zip(shapes, self._dtypes, strict=True)):
            if i in copied:
                continue
            out = empty(shape, dtype=dtype)
            set_output(i, tensor_of(out.numpy(), shared_memory=True))
            outputs[i] = out  # referenced by the returned list, so it outlives infer()
        request.infer(share_outputs=True)  # the bound outputs are ours already: no copy
        del held
        for i in copied:
            outputs[i] = self._from_numpy(request.get_output_tensor(i).data.copy())
        for k, i in self._passthrough.items():
            outputs[k] = inputs[i].clone()
        if self._pages is not None:
            self._advise_after_first_run()
        return outputs

    def _advise_after_first_run(self) -> None:
        """Huge pages for what OpenVINO allocated in its first inference too (measured: 64 MiB
        for the bench LM's step, weights repacked for the first shapes; +4 % decode),
        recorded under ``details["huge_pages"]["first_run"]``, which the plan shares."""
        pages, self._pages = self._pages, None
        if pages is not None:
            record = self.details.get("huge_pages")
            if isinstance(record, dict):
                record["first_run"] = pages.advise()


def compile_region(region: Region, device: str, options: IntelOptions) -> OpenVINORegion:
    """Lower ``region``, compile it for ``device``; raise with OpenVINO's message on failure."""
    import openvino as ov

    start = time.perf_counter()
    lowering = lower_region(region)
    lowered = time.perf_counter()
    pages = HugePages() if options.huge_pages else None
    compiled = core().compile_model(lowering.model, device, options.ov_config())
    done = time.perf_counter()
    hint = compiled.get_property("INFERENCE_PRECISION_HINT")
    actual = getattr(hint, "get_type_name", lambda: str(hint))()
    details = {
        "engine": "OpenVINO", "openvino": ov.get_version(), "device": device,
        "opset": lowering.ops.__name__.rsplit(".", 1)[-1],
        **options.details(),
        "inference_precision": actual,
        "ov_nodes": len(lowering.model.get_ops()),
        "dynamic": lowering.model.is_dynamic(),
        "lower_ms": round((lowered - start) * 1e3, 2),
        "compile_ms": round((done - lowered) * 1e3, 2),
        "huge_pages": pages.advise() if pages else {"skipped": "huge_pages=False"},
    }
    if actual != options.precision:
        capabilities = ", ".join(core().get_property(device, "OPTIMIZATION_CAPABILITIES"))
        details["precision_note"] = (f"asked for {options.precision}, OpenVINO's {device} "
                                     f"device runs {actual} (its capabilities: {capabilities})")
    runtime_model = compiled.get_runtime_model()  # a copy of the graph: read it once
    fused = fused_layers(runtime_model)
    if fused:
        details["fused_layers"] = fused
    if any(n.op == "dequantize" for n in region.nodes):
        from hwsdk_intel.ops_quant import compressed_weights

        details["compressed_weights"] = compressed_weights(runtime_model)
    sums = [n.id for n in region.nodes if n.op in _SUMMING]
    if sums and device.upper().startswith("CPU"):
        details["accumulation"] = {**ACCUMULATION, "nodes": sums}
    return OpenVINORegion(region, compiled, lowering, details, pages)
