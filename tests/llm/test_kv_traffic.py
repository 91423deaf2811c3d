"""A decode step hands the KV cache to the engines in place and gets back O(new tokens).

Counted at the engines' own APIs: what ONNX Runtime's ``run`` is fed and returns (or which
memory its IOBinding reads and writes), and which memory OpenVINO's infer request reads its
inputs from and how many bytes it writes out.
"""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import hwsdk  # noqa: E402
from hwsdk.llm.families import build_family  # noqa: E402

MAX_CACHE = 48


def _decode_step(lm: Any) -> tuple[Any, Any]:
    """Prefill 5 tokens, then return (the step function, the cache) ready for one decode."""
    ids = torch.randint(3, 128, (1, 5), generator=torch.Generator().manual_seed(0))
    lm.generate(ids, max_new_tokens=2)
    return lm._step_for(1), lm.cache(1)


def _decode_args() -> tuple[Any, ...]:
    mask = torch.zeros(1, MAX_CACHE, dtype=torch.int64)
    mask[:, :7] = 1
    return (torch.tensor([[7]]), torch.tensor([[6]]), torch.tensor([6]), mask)


def _bound(lm: Any) -> int:
    """Bytes a decode step may move out of the engines: the logits, the new keys and values,
    and small boundary values (masks and positions over the cache slots)."""
    layout = lm.layout
    new_kv = 2 * layout.layers * layout.kv_heads * layout.key_dim * 4
    return lm.model.config.vocab_size * 4 + new_kv + 64 * MAX_CACHE


@pytest.fixture(scope="module")
def llama() -> Any:
    return build_family("llama")


def test_cpu_decode_reads_the_cache_in_place_with_op_by_op_attention(llama: Any) -> None:
    lm = hwsdk.compile_lm(llama, target="cpu", max_cache_len=MAX_CACHE, cache_attention=False)
    step, cache = _decode_step(lm)
    fed: list[Any] = []
    returned: list[int] = []
    for region in (s.runner for s in lm.compiled_step(1).steps if s.target == "cpu"):
        run = region._sess.run

        def spy(names: Any, feeds: dict, options: Any, run: Any = run) -> Any:
            fed.extend(feeds.values())
            outputs = run(names, feeds, options)
            returned.extend(o.nbytes for o in outputs)
            return outputs

        region._sess = type("Spy", (), {"run": staticmethod(spy)})()
    step(*_decode_args())
    cache_at = {t.data_ptr(): t.nbytes for t in cache.tensors}
    handed = {a.ctypes.data for a in fed if a.nbytes == next(iter(cache_at.values()))}
    assert handed == set(cache_at), "every cache tensor reaches ONNX Runtime at its own address"
    assert sum(returned) <= _bound(lm) < sum(cache_at.values())


class _BindingSpy:
    """An IOBinding that records every pointer bound: (name, address, bytes)."""

    def __init__(self, binding: Any) -> None:
        self._binding = binding
        self._iobinding = binding._iobinding
        self.inputs: list[tuple[str, int, int]] = []
        self.outputs: list[tuple[str, int, int]] = []

    def bind_input(self, name: str, device: str, index: int, dtype: Any, shape: Any,
                   ptr: int) -> None:
        import numpy as np

        self.inputs.append((name, ptr, int(np.prod(shape)) * np.dtype(dtype).itemsize))
        self._binding.bind_input(name, device, index, dtype, shape, ptr)

    def bind_output(self, name: str, device: str, index: int = 0, dtype: Any = None,
                    shape: Any = None, ptr: int | None = None) -> None:
        import numpy as np

        assert ptr is not None, "every output is bound to memory hwsdk owns"
        self.outputs.append((name, ptr, int(np.prod(shape)) * np.dtype(dtype).itemsize))
        self._binding.bind_output(name, device, index, dtype, shape, ptr)

    def bind_cpu_input(self, name: str, array: Any) -> None:
        self.inputs.append((name, array.ctypes.data, array.nbytes))
        self._binding.bind_cpu_input(name, array)


def test_cpu_decode_attends_and_writes_the_cache_where_it_lies(llama: Any) -> None:
    # compile_lm's default: GroupQueryAttention reads each cache tensor at the caller's
    # address and writes the new keys and values into it; only logits and the new keys and
    # values are written anywhere else
    lm = hwsdk.compile_lm(llama, target="cpu", max_cache_len=MAX_CACHE)
    step, cache = _decode_step(lm)
    spies: list[_BindingSpy] = []
    for region in (s.runner for s in lm.compiled_step(1).steps if s.target == "cpu"):
        assert "GroupQueryAttention" in region.details["cache_attention"]
        make = region.session.io_binding
        region.session = type("Session", (), {"io_binding": staticmethod(
            lambda make=make: spies.append(_BindingSpy(make())) or spies[-1])})()
        region._local = type(region._local)()  # a fresh binding, made through the spy
    step(*_decode_args())
    cache_at = {t.data_ptr(): t.nbytes for t in cache.tensors}
    (spy,) = spies
    size = next(iter(cache_at.values()))
    read = {ptr for _, ptr, n in spy.inputs if n == size}
    written_in_place = {ptr for _, ptr, n in spy.outputs if n == size}
    assert read == set(cache_at) == written_in_place
    elsewhere = sum(n for _, ptr, n in spy.outputs if ptr not in cache_at)
    assert elsewhere <= _bound(lm) < sum(cache_at.values())


def test_cpu_in_place_attention_refuses_positions_it_cannot_take(llama: Any) -> None:
    lm = hwsdk.compile_lm(llama, target="cpu", max_cache_len=MAX_CACHE)
    step, _ = _decode_step(lm)
    mask = _decode_args()[3]
    mask[:, :9] = 1
    with pytest.raises(hwsdk.InvalidArgumentError, match=r"not consecutive.*cache_attention"):
        step(torch.tensor([[7, 8]]), torch.tensor([[6, 8]]), torch.tensor([6, 8]), mask)


def test_intel_decode_reads_the_cache_in_place(llama: Any) -> None:
    from hwsdk.registry import get_registry

    if not get_registry().probe("intel").available:
        pytest.skip("intel is not available here")
    lm = hwsdk.compile_lm(llama, target="intel", max_cache_len=MAX_CACHE)
    step, cache = _decode_step(lm)
    step(*_decode_args())
    cache_at = {t.data_ptr() for t in cache.tensors}
    read_at: set[int] = set()
    written = 0
    for region in (s.runner for s in lm.compiled_step(1).steps
                   if s.target.startswith("intel")):
        request = region._request()
        read_at.update(t.data.ctypes.data for t in request.input_tensors)
        written += sum(t.byte_size for t in request.output_tensors)
    assert cache_at <= read_at, "OpenVINO reads every cache tensor in the caller's memory"
    assert written <= _bound(lm) < sum(t.nbytes for t in cache.tensors)
