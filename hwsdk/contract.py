"""The plugin contract's types: what hwsdk and a target plugin exchange.

A low-level module (it imports only :mod:`hwsdk.errors` and :mod:`hwsdk.ir.graph`), so the
registry, the capability layer and the partitioner can use it; vendors import the same names
from the facade :mod:`hwsdk.plugin`. Importing it imports neither torch nor pydantic:
:class:`TargetInfo` and :class:`Availability` are checked dataclasses.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import MISSING, asdict, dataclass, field, fields
from importlib import metadata
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import pluggy

from hwsdk.errors import PluginContractError
from hwsdk.ir.graph import Graph, Node, TensorType

if TYPE_CHECKING:
    from typing import Self

    from hwsdk.capability import CapabilityTable, Verdict

FALLBACK = "torch"
"""The target every node a plan leaves unassigned, and every region that failed to compile,
runs on: PyTorch (the built-in ``torch`` target). The one home of that name."""

__all__ = [
    "FALLBACK",
    "PLUGIN_API_VERSION", "SHIMMED_API_VERSIONS", "negotiate_api", "api_refusal", "hookimpl",
    "package_versions", "module_present", "from_hook", "TargetInfo", "Availability", "Region",
    "CompiledRegion", "Target", "COMPILE_ERROR_RULE", "CompileOptions",
]

CompileOptions = Mapping[str, Any]
"""The user's compile options for one target (the keys its ``TargetInfo.options`` declares)."""

PLUGIN_API_VERSION = "2.0"
"""The plugin API this hwsdk implements; plugins declare the range they support."""

SHIMMED_API_VERSIONS = ("1.0",)
"""Older plugin APIs still loaded, through a shim (:mod:`hwsdk.registry_v1`)."""


def negotiate_api(declared: object) -> tuple[str, str]:
    """(the plugin API version a plugin declaring ``HWSDK_PLUGIN_API = declared`` is loaded
    with, ``""``), or (``""``, why it is refused). The newest version in the declared range
    wins: :data:`PLUGIN_API_VERSION`, else a :data:`SHIMMED_API_VERSIONS` one.

    :param declared: the plugin module's ``HWSDK_PLUGIN_API`` (None when it has none).
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if declared is None:
        return "", ("it does not declare HWSDK_PLUGIN_API (a version specifier such as "
                    f"'>=2,<3'); this hwsdk implements plugin API {PLUGIN_API_VERSION}")
    if not isinstance(declared, str):
        return "", f"its HWSDK_PLUGIN_API is {declared!r}, not a version specifier string"
    try:
        spec = SpecifierSet(declared)
    except InvalidSpecifier:
        return "", f"its HWSDK_PLUGIN_API {declared!r} is not a version specifier"
    for version in (PLUGIN_API_VERSION, *SHIMMED_API_VERSIONS):
        if version in spec:
            return version, ""
    older = " and ".join(SHIMMED_API_VERSIONS)
    return "", (f"it supports plugin API {declared}, but this hwsdk implements plugin API "
                f"{PLUGIN_API_VERSION} (and loads {older} plugins through a shim); install a "
                "release of the plugin made for it")


def api_refusal(declared: object) -> str:
    """Why a plugin declaring ``HWSDK_PLUGIN_API = declared`` is refused, or ``""`` when this
    hwsdk loads it (see :func:`negotiate_api`)."""
    return negotiate_api(declared)[1]


hookimpl = pluggy.HookimplMarker("hwsdk")
"""Marker for the one hook implementation: ``@hookimpl def hwsdk_targets(): ...``."""


@functools.cache
def _package_version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def module_present(name: str) -> bool:
    """Whether module ``name`` can be imported, found without importing it: what a quick
    probe asks of an SDK. A module already imported counts; one set to None in
    ``sys.modules`` (how tests hide a module) does not.

    :param name: a top-level module name (``find_spec`` of a dotted name imports its parents).
    """
    if name in sys.modules:
        return sys.modules[name] is not None
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def package_versions(dists: Iterable[str]) -> dict[str, str]:
    """Versions of the installed distributions among ``dists`` (absent ones left out), read
    from package metadata without importing them and cached: what a quick probe reports."""
    return {d: v for d in dists if (v := _package_version(d)) is not None}


def _fail(owner: object, message: str) -> PluginContractError:
    return PluginContractError(f"{type(owner).__name__}: {message}")


def _check_str(owner: object, *names: str) -> None:
    for name in names:
        value = getattr(owner, name)
        if not isinstance(value, str):
            raise _fail(owner, f"{name} must be a str, got {value!r}")


def _check_str_list(owner: object, *names: str) -> None:
    for name in names:
        value = getattr(owner, name)
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise _fail(owner, f"{name} must be a list of str, got {value!r}")
        object.__setattr__(owner, name, list(value))


def _check_str_dict(owner: object, name: str) -> None:
    value = getattr(owner, name)
    if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise _fail(owner, f"{name} must map str to str, got {value!r}")
    object.__setattr__(owner, name, dict(value))


def _check_bool(owner: object, *names: str) -> None:
    for name in names:
        if not isinstance(getattr(owner, name), bool):
            raise _fail(owner, f"{name} must be a bool, got {getattr(owner, name)!r}")


_T = TypeVar("_T", "TargetInfo", "Availability")


def from_hook(cls: type[_T], raw: object) -> _T:
    """``raw`` as a ``cls``: an instance passes through, a mapping is checked field by field.

    :raises PluginContractError: naming the unknown, missing or mistyped field.
    """
    if isinstance(raw, cls):
        return raw
    if not isinstance(raw, Mapping):
        raise PluginContractError(
            f"expected a {cls.__name__} (or a mapping of its fields), got {type(raw).__name__}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(str(k) for k in raw if k not in known)
    if unknown:
        raise PluginContractError(f"{cls.__name__} has no field {', '.join(unknown)}; its "
                                  f"fields are {', '.join(sorted(known))}")
    missing = sorted(f.name for f in fields(cls) if f.name not in raw
                     and f.default is MISSING and f.default_factory is MISSING)
    if missing:
        raise PluginContractError(f"{cls.__name__} needs {', '.join(missing)}")
    return cls(**raw)


_TARGET_NAME = re.compile(r"^[a-z][a-z0-9_\-]*$")


@dataclass(frozen=True)
class TargetInfo:
    """A target a plugin serves.

    Checked on construction (a plain frozen dataclass, so that ``hwsdk targets`` starts
    without a validation library); a wrong field raises
    :class:`~hwsdk.errors.PluginContractError` naming it.

    :param name: the target name users pass (``"rocm"``); lower case, no colon.
    :param vendor: who makes the hardware (``"AMD"``).
    :param description: one line for ``hwsdk targets``.
    :param variants: variant names (``["gfx90a", "gfx942"]``), addressed as ``name:variant``.
    :param default_variant: the variant meant by the bare name (None: the target has one table).
    :param aliases: other names that resolve to this target.
    :param priority: order for ``target="auto"``; higher first. PyTorch itself is 0.
    :param engine: the engine that runs compiled regions (``"OpenVINO"``).
    :param options: compile options the target understands, name → one-line description;
        ``hwsdk.compile`` refuses options no chosen target declares.
    """

    name: str
    vendor: str
    description: str = ""
    variants: list[str] = field(default_factory=list)
    default_variant: str | None = None
    aliases: list[str] = field(default_factory=list)
    priority: int = 10
    engine: str = ""
    options: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_str(self, "name", "vendor", "description", "engine")
        if not _TARGET_NAME.match(self.name):
            raise _fail(self, f"name {self.name!r} must be lower case letters, digits, '_' or "
                              "'-', starting with a letter")
        _check_str_list(self, "variants", "aliases")
        _check_str_dict(self, "options")
        if self.default_variant is not None and self.default_variant not in self.variants:
            raise _fail(self, f"default_variant {self.default_variant!r} is not one of the "
                              f"variants {self.variants}")
        if not isinstance(self.priority, int) or isinstance(self.priority, bool):
            raise _fail(self, f"priority must be an int, got {self.priority!r}")


@dataclass(frozen=True)
class Availability:
    """What a probe found: can this target compile and run here, and why not.

    :param available: the target can compile and run on this machine.
    :param reason: why not (empty when available).
    :param devices: devices found (``["CPU: AMD EPYC 7B13"]``).
    :param versions: versions of the SDK packages found, name → version.
    :param can_compile_offline: ahead-of-time compilation works without a device.
    """

    available: bool
    reason: str = ""
    devices: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    can_compile_offline: bool = False

    def __post_init__(self) -> None:
        _check_bool(self, "available", "can_compile_offline")
        _check_str(self, "reason")
        _check_str_list(self, "devices")
        _check_str_dict(self, "versions")

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict (what plans record)."""
        return asdict(self)


@dataclass
class Region:
    """A connected, cycle-free piece of the graph assigned to one target.

    :param id: ``"r3"``.
    :param target: the resolved target reference (``"intel:cpu"``).
    :param graph: the whole IR graph (read-only), for types and params.
    :param nodes: this region's nodes, in topological order.
    :param inputs: values read from outside the region, excluding params, in call order.
    :param outputs: values other regions or the model's outputs read, in return order.
    :param alone: whether this is its plan's only region. When False, other regions (another
        engine's, PyTorch's, or another session of the same engine) run between this
        region's calls on the same machine, so an engine should not keep worker threads
        spinning after a call: they would take the cores those regions run on.
    """

    id: str
    target: str
    graph: Graph
    nodes: list[Node]
    inputs: list[str]
    outputs: list[str]
    params: list[str] = field(default_factory=list)
    alone: bool = True

    def type_of(self, value: str) -> TensorType:
        return self.graph.types[value]

    def param(self, name: str) -> Any:
        """The tensor of a param (weight or folded constant)."""
        return self.graph.param_data[name]


class CompiledRegion:
    """What :meth:`Target.compile` returns: a callable over the region's inputs.

    Subclasses implement :meth:`run`. ``details`` is shown in the plan (engine, precision,
    kernels …); keep it JSON-serializable.
    """

    device: str = "cpu"
    """Where this region's inputs arrive and its outputs leave: ``"cpu"`` or a torch device
    string such as ``"cuda:0"``. The runtime moves a value only between regions whose devices
    differ; a subclass that keeps values on an accelerator sets it."""

    cache_inputs_written: tuple[int, ...] = ()
    """Inputs (indices into ``Region.inputs``) that a run also writes in place: the region's
    graph reads ``index_copy(input, dim, positions, new)`` and the engine's kernel stores
    ``new`` into the input itself (ONNX Runtime's GroupQueryAttention writing a KV cache,
    ``cache_attention='in_place'``). A caller that would write the same entries afterwards
    (:mod:`hwsdk.llm`) skips that. Empty by default: a run leaves its inputs as they were."""

    def __init__(self, details: Mapping[str, Any] | None = None) -> None:
        self.details: dict[str, Any] = dict(details or {})

    def run(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        """Compute the region's outputs.

        :param inputs: torch tensors on :attr:`device`, one per ``Region.inputs``.
        :param env: values of the symbolic dims for this call (``{"s0": 4}``).
        :returns: torch tensors on :attr:`device`, one per ``Region.outputs``.
        """
        raise NotImplementedError

    def __call__(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        return self.run(inputs, env)


class Target:
    """One target a plugin serves (plugin API 2): what ``hwsdk_targets`` returns.

    Subclass it, set :attr:`info`, and implement :meth:`probe`, :meth:`capabilities` and
    :meth:`compile` (:meth:`check` is optional). hwsdk calls the methods of the object bound
    to one target reference (:meth:`for_variant`), so a method never needs to ask which
    target it serves: :attr:`variant` says which variant. hwsdk itself owns the rules every
    target shares, so a target does not re-implement them:

    - probes are cached per process (deep and quick apart) and run under a time budget;
    - compile is refused with :class:`~hwsdk.errors.TargetUnavailableError` while the deep
      probe says unavailable, unless an :attr:`offline_options` option is set;
    - :meth:`compile` must return a :class:`CompiledRegion` or raise an
      :class:`~hwsdk.errors.HwsdkError` with a message (:data:`COMPILE_ERROR_RULE`); any other
      result or exception is reported as a :class:`~hwsdk.errors.PluginContractError`.
    """

    info: TargetInfo
    """The target's declaration (name, variants, options …); set it in the subclass."""

    variant: str | None = None
    """The variant this object serves (the default variant for the bare name; None when the
    target has no variants). Set by :meth:`for_variant`."""

    offline_options: ClassVar[Mapping[str, str]] = {}
    """Compile options with which :meth:`compile` works without the device or SDK, name →
    what the result then is (``{"emulate": "emulated", "aot": "an ahead-of-time build"}``).
    With one of them set, hwsdk compiles although the deep probe says unavailable."""

    @property
    def ref(self) -> str:
        """The target reference this object serves: ``"rocm:gfx942"``, or ``"torch"``."""
        return f"{self.info.name}:{self.variant}" if self.variant else self.info.name

    def for_variant(self, variant: str | None) -> Self:
        """The object serving ``variant``: a shallow copy with :attr:`variant` set. hwsdk
        calls it once per target reference; override it to set up per-variant state."""
        bound = copy.copy(self)
        object.__setattr__(bound, "variant", variant)  # a frozen dataclass subclass, too
        return bound

    def needs_device(self, options: CompileOptions) -> bool:
        """Whether compiling with ``options`` needs the device (no offline option is set)."""
        return not any(options.get(name) for name in self.offline_options)

    def probe(self, deep: bool) -> Availability:
        """Find out whether this target can compile and run on this machine.

        Must not raise when the SDK or device is absent: say why in ``Availability.reason``.

        :param deep: False for a quick look (``hwsdk targets``): package metadata, the
            environment and device nodes, without importing the SDK, torch or a device
            library, in milliseconds. True before compiling, for ``target="auto"`` and in
            ``hwsdk doctor``: it may import the SDK and enumerate devices.
        :returns: the availability; when unavailable, ``reason`` says why and what to do.
        """
        raise NotImplementedError

    def capabilities(self) -> CapabilityTable:
        """Return the capability table of this target.

        It validates, carries provenance, names core ops only, needs neither SDK nor device,
        and depends only on installed code (hwsdk caches it, on disk too). Use the capability
        classes only inside this method, so loading the plugin stays free of pydantic.

        :returns: a ``CapabilityTable`` (or its dict form) whose ``target`` is :attr:`ref`.
        """
        raise NotImplementedError

    def check(self, node: Node, graph: Graph) -> Verdict | None:
        """Judge a node the table accepted, for conditions a table cannot express.

        Called once per node and candidate target while a graph is partitioned; keep it fast.
        The default accepts every node (hwsdk then skips the call).

        :param node: the IR node (read-only).
        :param graph: the whole graph (read-only), for value types and params.
        :returns: a Verdict with ``ok=False`` to refuse the node (hwsdk fills in its
            ``target`` and ``node_id``); None accepts it as the table did.
        """
        return None

    def compile(self, region: Region, options: CompileOptions) -> CompiledRegion:
        """Compile one region (see :data:`COMPILE_ERROR_RULE` for failures).

        :param region: the region to compile; its inputs arrive on the returned region's
            :attr:`CompiledRegion.device` in ``region.inputs`` order.
        :param options: the user's compile options (the keys ``info.options`` declares).
        :returns: the compiled region.
        :raises CompileError: for a region it cannot compile (it then runs in PyTorch).
        :raises TargetUnavailableError: when the SDK or device is missing.
        """
        raise NotImplementedError


COMPILE_ERROR_RULE = (
    "compile returns a CompiledRegion or raises an hwsdk.errors.HwsdkError with a message: "
    "CompileError for a region the target cannot compile, TargetUnavailableError when the "
    "SDK or device is missing")
"""The one rule for compile failures, shared by the hookspec docs, the registry (which
reports any other exception as a PluginContractError) and the conformance kit."""
