"""hwsdk-numpy-example: a template hwsdk plugin (plugin API 2) serving the target ``numpy``.
Replace :mod:`.engine` with calls into your SDK. Importing this module imports no torch, NumPy
or pydantic (``plugin.CapabilityTable`` and the like load on first use, inside the methods)."""

from __future__ import annotations

from importlib import resources

from hwsdk import plugin

HWSDK_PLUGIN_API = ">=2,<3"
MAX_ELEMENTS = 1 << 24  # per node output; the engine keeps every intermediate in host memory


class NumpyTarget(plugin.Target):
    """NumPy on the host CPU: elementwise ops and matmul."""

    info = plugin.TargetInfo(name="numpy", vendor="Example Corp", engine="NumPy", priority=5,
                             description="Template plugin: NumPy on the host CPU")

    def probe(self, deep: bool) -> plugin.Availability:  # hwsdk caches it: no cache here
        found = plugin.module_present("numpy")  # looks for NumPy without importing it
        return plugin.Availability(available=found, reason="" if found else "pip install numpy",
                                   versions=plugin.package_versions(["numpy"]))

    def capabilities(self) -> plugin.CapabilityTable:
        text = resources.files(__name__).joinpath("capabilities.json").read_text()
        return plugin.CapabilityTable.model_validate_json(text)

    def check(self, node: plugin.Node, graph: plugin.Graph) -> plugin.Verdict | None:
        # what a table cannot say: this graph's node is too big for the engine's memory budget
        count = max((graph.types[name].numel() or 0 for name in node.outputs), default=0)
        return None if count <= MAX_ELEMENTS else plugin.Verdict(
            target=self.ref, node_id=node.id, ok=False, code=plugin.ReasonCode.CONSTRAINT,
            reason=f"{count} elements; the NumPy engine keeps at most {MAX_ELEMENTS} in memory")

    def compile(self, region: plugin.Region, options: plugin.CompileOptions
                ) -> plugin.CompiledRegion:
        from hwsdk_numpy_example.engine import NumpyRegion
        return NumpyRegion(region)  # raises CompileError for what the engine cannot run


@plugin.hookimpl
def hwsdk_targets() -> list[plugin.Target]:
    return [NumpyTarget()]
