"""The ways bench/llm.py generates, one class per runner kind.

A runner has ``load(spec) -> info`` (load or export the model, apply the thread count and
precision, return what it set) and ``generate(clock) -> ids`` (one greedy generation of exactly
``spec.new_tokens`` tokens, calling ``clock.token()`` as each one becomes available). Every
import of torch, transformers, optimum, OpenVINO or hwsdk is inside the runner that needs it:
a worker imports only its own runner's libraries, from its own venv.
"""

from __future__ import annotations

import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from llm_workers.protocol import Spec, TokenClock

__all__ = ["Runner", "RUNNERS", "OV_CONFIG", "make_runner"]

OV_CONFIG = {"INFERENCE_NUM_THREADS": 2, "INFERENCE_PRECISION_HINT": "f32",
             "KV_CACHE_PRECISION": "f32", "PERFORMANCE_HINT": "LATENCY"}
"""OpenVINO properties of both OpenVINO peers (threads replaced by the spec's). Without
KV_CACHE_PRECISION=f32 OpenVINO keeps the KV cache in f16 even under an f32 precision hint."""


class Runner(Protocol):
    def load(self, spec: Spec) -> dict[str, Any]: ...

    def generate(self, clock: TokenClock) -> list[int]: ...


def _versions(*dists: str) -> dict[str, str]:
    found = {}
    for dist in dists:
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "absent"
    return found


def _ov_config(spec: Spec) -> dict[str, Any]:
    return {**OV_CONFIG, "INFERENCE_NUM_THREADS": spec.threads}


def rss_mb() -> float:
    """This process's resident set size, MiB (Linux /proc)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _ov_weight_config(bits: int, group_size: int) -> Any:
    """optimum-intel's weight compression: 8 bits per channel (its default, asymmetric), or
    4 bits asymmetric in groups of ``group_size`` on every layer (ratio 1)."""
    from optimum.intel import OVWeightQuantizationConfig

    if bits == 8:
        return OVWeightQuantizationConfig(bits=8)
    return OVWeightQuantizationConfig(bits=bits, group_size=group_size, sym=False, ratio=1.0)


def _ort_quantized(spec: Spec, nbits: dict[str, Any]) -> str:
    """Export the model with optimum-onnx, quantize its MatMul weights with ONNX Runtime's
    ``MatMulNBitsQuantizer`` (``nbits``: bits, block_size, is_symmetric, accuracy_level,
    nodes_to_exclude) and save it beside; return that directory."""
    import shutil

    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
    from optimum.onnxruntime import ORTModelForCausalLM

    work = Path(spec.workdir)
    exported, out = work / "ort-f32", work / f"ort-nbits-{abs(hash(str(nbits)))}"
    if not (exported / "model.onnx").exists():
        ORTModelForCausalLM.from_pretrained(spec.model_dir, export=True).save_pretrained(
            exported)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(exported, out, ignore=shutil.ignore_patterns("model.onnx*"))
    quantizer = MatMulNBitsQuantizer(onnx.load(str(exported / "model.onnx")), **nbits)
    quantizer.process()
    quantizer.model.save_model_to_file(str(out / "model.onnx"), use_external_data_format=True)
    return str(out)


def _hwsdk_weights(lm: Any) -> dict[str, Any]:
    """Weight bytes of the step graph for batch 1: the plan's float and stored (data, scales,
    zero points) bytes of quantized linears, and those ONNX Runtime's optimized graph holds
    for them (``bytes_in_engine``, cpu) or OpenVINO's compressed FullyConnected count."""
    regions = lm.compiled_step(1).plan.regions
    totals: dict[str, Any] = {"bytes_float": 0, "bytes_stored": 0, "bytes_in_engine": 0}
    for region in regions:
        weights = region.details.get("weights", {})
        totals["bytes_float"] += weights.get("bytes_float", 0)
        totals["bytes_stored"] += weights.get("bytes_stored", 0)
        totals["bytes_in_engine"] += region.details.get("quantized_weights", {}).get(
            "bytes_in_engine", 0)
        for key in ("quantized_weights", "compressed_weights"):
            if key in region.details:
                totals.setdefault(key, []).append(region.details[key])
    return totals


class FakeRunner:
    """No model: sleeps ``first_ms`` then ``token_ms`` per token; ids are the prompt's first
    tokens shifted by ``offset`` and by their place. ``fail`` ("load" or "run") raises there,
    ``exit`` ("run") kills the process, ``short`` drops that many tokens, ``stale`` answers
    every round from the prompt it was loaded with; it also prints to stdout, which must not
    reach the protocol. For the harness test."""

    def load(self, spec: Spec) -> dict[str, Any]:
        self.spec = spec
        self.options = spec.options
        self.loaded_prompt = list(spec.prompt)
        print("fake runner: noise on stdout", flush=True)
        if self.options.get("fail") == "load":
            raise ValueError("fake load failure")
        return {"versions": {"python": sys.version.split()[0]}, "settings": dict(self.options)}

    def generate(self, clock: TokenClock) -> list[int]:
        if self.options.get("fail") == "run":
            raise ValueError("fake run failure")
        if self.options.get("exit") == "run":
            sys.exit(3)
        count = self.spec.new_tokens - int(self.options.get("short", 0))
        time.sleep(float(self.options.get("first_ms", 2.0)) / 1e3)
        clock.token()
        for _ in range(count - 1):
            time.sleep(float(self.options.get("token_ms", 1.0)) / 1e3)
            clock.token()
        offset = int(self.options.get("offset", 0))
        prompt = (self.loaded_prompt if self.options.get("stale") else self.spec.prompt) or [0]
        return [(prompt[t % len(prompt)] + t + offset) % 100 for t in range(count)]


def _prompt_tensors(spec: Spec) -> tuple[Any, Any]:
    import torch

    ids = torch.tensor([spec.prompt], dtype=torch.int64)
    return ids, torch.ones_like(ids)


def _hf_streamer(clock: TokenClock) -> Any:
    """A transformers streamer that stamps each new token (its first ``put`` is the prompt)."""
    from transformers.generation.streamers import BaseStreamer

    class ClockStreamer(BaseStreamer):  # type: ignore[misc]
        def __init__(self) -> None:
            self.seen_prompt = False

        def put(self, value: Any) -> None:
            if self.seen_prompt:
                clock.token()
            self.seen_prompt = True

        def end(self) -> None:
            pass

    return ClockStreamer()


def _hf_generate(model: Any, spec: Spec, clock: TokenClock, **extra: Any) -> list[int]:
    """transformers' greedy ``generate`` (also what the optimum models run), exactly
    ``new_tokens`` new tokens."""
    import torch

    ids, mask = _prompt_tensors(spec)
    with torch.no_grad():
        out = model.generate(ids, attention_mask=mask, max_new_tokens=spec.new_tokens,
                             min_new_tokens=spec.new_tokens, do_sample=False,
                             streamer=_hf_streamer(clock), **extra)
    return [int(t) for t in out[0, ids.shape[1]:]]


class HFRunner:
    """transformers ``generate`` on the PyTorch model; ``cache``: "dynamic" (eager's default)
    or "static" (``cache_implementation="static"``)."""

    def load(self, spec: Spec) -> dict[str, Any]:
        import torch
        from transformers import AutoModelForCausalLM

        torch.set_num_threads(spec.threads)
        self.spec = spec
        self.model = AutoModelForCausalLM.from_pretrained(spec.model_dir,
                                                          dtype=torch.float32).eval()
        cache = spec.options.get("cache", "dynamic")
        self.extra = {} if cache == "dynamic" else {"cache_implementation": cache}
        return {"versions": _versions("torch", "transformers"),
                "settings": {"torch.set_num_threads": spec.threads, "dtype": "float32",
                             "cache": cache}}

    def generate(self, clock: TokenClock) -> list[int]:
        return _hf_generate(self.model, self.spec, clock, **self.extra)


class OptimumOVRunner:
    """optimum-intel ``OVModelForCausalLM`` exported from the model (``export=True``); with
    option ``save``, the exported model is saved to ``workdir/<save>`` for OpenVINO GenAI."""

    def load(self, spec: Spec) -> dict[str, Any]:
        import torch
        from optimum.intel import OVModelForCausalLM

        torch.set_num_threads(spec.threads)
        self.spec = spec
        config = _ov_config(spec)
        bits = spec.options.get("bits")
        quantization = _ov_weight_config(int(bits), int(spec.options.get("group_size", 128))) \
            if bits else None
        self.model = OVModelForCausalLM.from_pretrained(
            spec.model_dir, export=True, load_in_8bit=False, ov_config=config, compile=True,
            **({"quantization_config": quantization} if quantization else {}))
        save = spec.options.get("save")
        if save:
            self.model.save_pretrained(Path(spec.workdir) / save)
        compiled = self.model.request.get_compiled_model()
        effective = {key: str(compiled.get_property(key)) for key in OV_CONFIG}
        return {"versions": _versions("optimum-intel", "optimum", "openvino", "transformers",
                                      "torch"),
                "settings": {"ov_config": config, "compiled model reports": effective,
                             "export": "stateful, " + (
                                 f"OVWeightQuantizationConfig({quantization.to_dict()})"
                                 if quantization else "no weight compression"),
                             "torch.set_num_threads": spec.threads},
                "rss_mb": rss_mb()}

    def generate(self, clock: TokenClock) -> list[int]:
        return _hf_generate(self.model, self.spec, clock)


class OptimumORTRunner:
    """optimum-onnx ``ORTModelForCausalLM`` exported from the model, on ONNX Runtime's CPU
    execution provider."""

    def load(self, spec: Spec) -> dict[str, Any]:
        import onnxruntime as ort
        import torch
        from optimum.onnxruntime import ORTModelForCausalLM

        torch.set_num_threads(spec.threads)
        self.spec = spec
        options = ort.SessionOptions()
        options.intra_op_num_threads = spec.threads
        options.inter_op_num_threads = 1
        nbits = spec.options.get("matmul_nbits")
        source = _ort_quantized(spec, nbits) if nbits else spec.model_dir
        self.model = ORTModelForCausalLM.from_pretrained(
            source, export=not nbits, session_options=options,
            provider="CPUExecutionProvider")
        return {"versions": _versions("optimum-onnx", "optimum", "onnxruntime", "transformers",
                                      "torch"),
                "rss_mb": rss_mb(),
                **({"matmul_nbits_quantizer": nbits} if nbits else {}),
                "settings": {"intra_op_num_threads": spec.threads, "inter_op_num_threads": 1,
                             "provider": "CPUExecutionProvider",
                             "use_io_binding": bool(getattr(self.model, "use_io_binding",
                                                            False)),
                             "torch.set_num_threads": spec.threads}}

    def generate(self, clock: TokenClock) -> list[int]:
        return _hf_generate(self.model, self.spec, clock)


class GenAIRunner:
    """``openvino_genai.LLMPipeline`` on the model optimum-intel exported to
    ``workdir/<model>``, fed token ids (``TokenizedInputs``), ``ignore_eos``."""

    def load(self, spec: Spec) -> dict[str, Any]:
        import openvino_genai

        self.spec = spec
        config = _ov_config(spec)
        path = Path(spec.workdir) / spec.options.get("model", "ov")
        self.pipe = openvino_genai.LLMPipeline(str(path), "CPU", config)
        generation = openvino_genai.GenerationConfig()
        generation.max_new_tokens = spec.new_tokens
        generation.min_new_tokens = spec.new_tokens
        generation.ignore_eos = True
        generation.do_sample = False
        self.generation = generation
        return {"versions": _versions("openvino-genai", "openvino", "openvino-tokenizers"),
                "settings": {"properties": config, "ignore_eos": True, "do_sample": False}}

    def generate(self, clock: TokenClock) -> list[int]:
        import numpy as np
        import openvino
        import openvino_genai

        ids = np.array([self.spec.prompt], dtype=np.int64)
        inputs = openvino_genai.TokenizedInputs(openvino.Tensor(ids),
                                                openvino.Tensor(np.ones_like(ids)))

        class ClockStreamer(openvino_genai.StreamerBase):  # type: ignore[misc]
            def write(self, token: Any) -> Any:
                clock.token(len(token) if isinstance(token, list) else 1)
                return openvino_genai.StreamingStatus.RUNNING

            def end(self) -> None:
                pass

        result = self.pipe.generate(inputs, self.generation, ClockStreamer())
        return [int(t) for t in result.tokens[0]]


class HwsdkRunner:
    """``hwsdk.compile_lm(model, target=<target>, num_threads=<threads>)``, timed through
    ``lm.stream``."""

    def load(self, spec: Spec) -> dict[str, Any]:
        import torch
        from transformers import AutoModelForCausalLM

        import hwsdk

        torch.set_num_threads(spec.threads)
        self.spec = spec
        model = AutoModelForCausalLM.from_pretrained(spec.model_dir, dtype=torch.float32).eval()
        target = spec.options.get("target", "auto")
        extra = {k: spec.options[k] for k in ("quantize", "group_size", "quantized_matmul",
                                              "tune") if k in spec.options}
        before = rss_mb()
        self.lm = hwsdk.compile_lm(model, target=target,
                                   max_cache_len=len(spec.prompt) + spec.new_tokens,
                                   num_threads=spec.threads, **extra)
        # the plan's first two lines, and what measured auto timed and chose (its first
        # tuning line)
        summary = (self.lm.plan.plan.summary().splitlines()[:2]
                   + [n for n in self.lm.tuning_notes if n.startswith("tune")][:1])
        return {"versions": _versions("hwsdk", "torch", "transformers", "onnxruntime",
                                      "openvino"),
                "settings": {"target": target, "num_threads": spec.threads,
                             "torch.set_num_threads": spec.threads, "dtype": "float32",
                             **extra},
                "plan": summary, "rss_mb": rss_mb(), "compile_rss_mb": rss_mb() - before,
                "weights": _hwsdk_weights(self.lm)}

    def generate(self, clock: TokenClock) -> list[int]:
        ids, _ = _prompt_tensors(self.spec)
        tokens = []
        for step in self.lm.stream(ids, max_new_tokens=self.spec.new_tokens,
                                   min_new_tokens=self.spec.new_tokens):
            clock.token()
            tokens.append(int(step[0]))
        return tokens


RUNNERS: dict[str, type] = {"fake": FakeRunner, "hf": HFRunner, "optimum-ov": OptimumOVRunner,
                            "optimum-ort": OptimumORTRunner, "genai": GenAIRunner,
                            "hwsdk": HwsdkRunner}
"""Runner kind → class."""


def make_runner(kind: str) -> Runner:
    if kind not in RUNNERS:
        raise ValueError(f"unknown runner kind {kind!r}; one of {sorted(RUNNERS)}")
    runner: Runner = RUNNERS[kind]()
    return runner
