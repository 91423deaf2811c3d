"""The pytest plugin of the conformance kit (entry point ``pytest11: hwsdk``).

``pytest --hwsdk-target NAME`` runs the conformance tests of :mod:`hwsdk.testing.suite`
against the installed plugin serving ``NAME`` (repeat the option for several targets or
variants). With no test paths on the command line only the kit runs; with paths, the kit runs
beside them. ``--hwsdk-report PATH`` writes the summary as JSON (``.json``) or Markdown;
``--hwsdk-option NAME=VALUE`` passes compile options; ``--hwsdk-ignore-probe`` runs the op
checks on a target whose probe says unavailable (an emulator or interpreter).

Without ``--hwsdk-target`` the plugin adds its options and nothing else; loading it imports
no torch (only hwsdk's light package import).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

__all__ = ["SUITE", "ConformanceSummary"]

SUITE = Path(__file__).with_name("suite.py")
"""The test module the kit adds to the session."""

_PROPERTY = "hwsdk_conformance"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hwsdk", "hwsdk plugin conformance kit")
    group.addoption("--hwsdk-target", action="append", default=[], metavar="NAME",
                    help="run the hwsdk conformance kit against target NAME (repeatable; "
                         "name or name:variant)")
    group.addoption("--hwsdk-option", action="append", default=[], metavar="NAME=VALUE",
                    help="compile option for the kit's graphs (repeatable; VALUE parsed as "
                         "JSON when it can be, e.g. emulate=true)")
    group.addoption("--hwsdk-ignore-probe", action="store_true", default=False,
                    help="run op checks even when the probe says unavailable (emulators)")
    group.addoption("--hwsdk-report", default=None, metavar="PATH",
                    help="write the conformance summary to PATH (.json for JSON, else Markdown)")


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("hwsdk_target"):
        return
    suite = str(SUITE)
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args[:] = [suite]  # no paths given: run the kit alone
    elif suite not in config.args:
        config.args.append(suite)
    config.pluginmanager.register(ConformanceSummary(config), "hwsdk-conformance-summary")


class ConformanceSummary:
    """Collects the kit's records from test reports; prints and writes the summary."""

    def __init__(self, config: pytest.Config) -> None:
        from hwsdk.testing.report import Summary

        self.config = config
        self.summary = Summary()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" and not (report.skipped and report.when == "setup"):
            return
        for key, value in report.user_properties:
            if key == _PROPERTY and isinstance(value, dict):
                record = dict(value)
                record["status"] = report.outcome  # what pytest saw wins
                self.summary.add(record)
                return
        if report.failed and report.when == "call" and "hwsdk/testing/suite.py" in \
                report.nodeid.replace("\\", "/"):
            self.summary.add({"kind": report.nodeid.split("::")[-1], "target": "?", "op": "",
                              "dtype": "", "status": "failed",
                              "detail": report.longreprtext[-500:]})

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.summary.records:
            return
        terminalreporter.section("hwsdk conformance")
        terminalreporter.write_line(self.summary.text())
        path = self.config.getoption("hwsdk_report")
        if path:
            out = Path(path)
            out.write_text(self.summary.to_json() if out.suffix == ".json"
                           else self.summary.markdown())
            terminalreporter.write_line(f"conformance summary written to {out}")
