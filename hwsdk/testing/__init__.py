"""hwsdk's conformance kit for target plugins.

Run it against an installed plugin with pytest::

    pytest --hwsdk-target NAME [--hwsdk-report conformance.md]

It checks every hook contract of the plugin serving ``NAME`` and compares every op x dtype its
capability table claims with the PyTorch reference (see ``docs/plugin-guide.md``). The checks
are plain functions in :mod:`hwsdk.testing.checks`, usable outside pytest too. Importing this
package imports no torch.
"""

__all__: list[str] = []
