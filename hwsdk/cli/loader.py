"""Resolve the CLI's MODEL argument into a model, example inputs and a captured graph.

MODEL is one of:

- a bundled short name (``mlp``, ``resnet18``, ``gpt``, ``bert``; see :mod:`hwsdk.models`);
- ``path/to/file.py:factory`` or ``package.module:factory``, where ``factory()`` returns
  ``(model, example_inputs)`` or ``(model, example_inputs, dynamic_shapes)``;
- a saved ``torch.export`` program (``.pt2``, written by ``torch.export.save``); its own example
  inputs are used.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hwsdk.errors import HwsdkError

__all__ = ["ModelSpecError", "LoadedModel", "load_model", "capture_loaded", "import_attr"]


class ModelSpecError(HwsdkError):
    """The MODEL argument names nothing loadable, or its factory failed."""

    hint = ("MODEL is a bundled name (mlp, resnet18, gpt, bert), path/to/file.py:factory, "
            "package.module:factory, or a .pt2 file from torch.export.save")


@dataclass
class LoadedModel:
    """What MODEL resolved to. ``program`` is set for ``.pt2`` files (``model`` is then its
    ``.module()``)."""

    name: str
    model: Any
    example_inputs: tuple[Any, ...]
    dynamic_shapes: Any = None
    program: Any = None


def load_model(spec: str) -> LoadedModel:
    """Resolve ``spec`` (see the module docstring).

    :raises ModelSpecError: naming what could not be read and why.
    """
    from hwsdk.models import MODELS

    if spec in MODELS:
        return _from_factory(spec, MODELS[spec].load())
    if spec.endswith((".pt2", ".pt")) and ":" not in spec.rsplit("/", 1)[-1]:
        return _from_program(Path(spec))
    location, sep, attr = spec.rpartition(":")
    if not sep or not location or not attr:
        raise ModelSpecError(
            f"cannot read MODEL {spec!r}: not a bundled model name and not of the form "
            "file.py:factory or module:factory")
    factory = import_attr(location, attr, spec)
    return _from_factory(spec, factory)


def import_attr(location: str, attr: str, spec: str,
                error: type[ModelSpecError] = ModelSpecError) -> Any:
    """The callable ``attr`` of the file or module ``location`` (``spec`` is what the user
    wrote, for messages).

    :raises ModelSpecError: (or ``error``, a subclass with its own hint) when the file or module
        cannot be read or has no such callable.
    """
    if location.endswith(".py") or "/" in location or "\\" in location:
        path = Path(location)
        if not path.is_file():
            raise error(f"cannot read MODEL {spec!r}: no file {location}")
        name = f"_hwsdk_model_{abs(hash(str(path.resolve())))}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise error(f"cannot read MODEL {spec!r}: {location} is not a Python file")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        sys.path.insert(0, str(path.resolve().parent))
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:
            raise error(f"importing {location} raised {type(exc).__name__}: {exc}") from exc
        finally:
            sys.path.remove(str(path.resolve().parent))
    else:
        try:
            module = importlib.import_module(location)
        except Exception as exc:
            raise error(f"cannot import module {location!r} for MODEL {spec!r}: "
                        f"{type(exc).__name__}: {exc}") from exc
    factory = getattr(module, attr, None)
    if factory is None or not callable(factory):
        raise error(f"{location} has no callable {attr!r}")
    return factory


def _from_factory(name: str, factory: Any) -> LoadedModel:
    try:
        result = factory()
    except HwsdkError:
        raise
    except Exception as exc:
        raise ModelSpecError(
            f"the factory of MODEL {name!r} raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(result, tuple) or len(result) not in (2, 3):
        raise ModelSpecError(
            f"the factory of MODEL {name!r} returned {type(result).__name__}; it must return "
            "(model, example_inputs) or (model, example_inputs, dynamic_shapes)")
    model, inputs = result[0], result[1]
    import torch

    if isinstance(inputs, torch.Tensor):
        inputs = (inputs,)
    if not isinstance(model, torch.nn.Module):
        raise ModelSpecError(
            f"the factory of MODEL {name!r} returned a {type(model).__name__} as the model; "
            "return a torch.nn.Module")
    if hasattr(model, "eval"):
        model.eval()
    return LoadedModel(name, model, tuple(inputs), result[2] if len(result) == 3 else None)


def _from_program(path: Path) -> LoadedModel:
    if not path.is_file():
        raise ModelSpecError(f"cannot read MODEL {str(path)!r}: no such file")
    import torch

    from hwsdk.ir.saved import unpack_program

    try:
        program = torch.export.load(str(path))
    except Exception as exc:
        raise ModelSpecError(
            f"cannot load {path} as a torch.export program: {type(exc).__name__}: {exc}"
        ) from exc
    example = getattr(program, "example_inputs", None)
    if not example:
        raise ModelSpecError(
            f"{path} has no example inputs; save it with torch.export.save from a program "
            "exported in PyTorch >= 2.4")
    args, kwargs = example
    if kwargs:
        raise ModelSpecError(f"{path} was exported with keyword inputs; hwsdk takes positional "
                             "tensors only")
    saved = unpack_program(program)
    return LoadedModel(path.stem, saved.module, tuple(args), saved.dynamic_shapes, program)


def capture_loaded(loaded: LoadedModel) -> Any:
    """Capture ``loaded`` into the IR.

    A ``.pt2`` program is captured through its ``.module()`` (an ``nn.Module`` torch.export
    can export again), so it goes through the same capture as any model, with the dynamic
    dims it was saved with (:mod:`hwsdk.ir.saved`).
    """
    from hwsdk.ir.capture import capture

    return capture(loaded.model, loaded.example_inputs, dynamic_shapes=loaded.dynamic_shapes)
