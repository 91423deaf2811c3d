"""A probe that hangs costs its time budget once, reads as unavailable with the reason, and
never holds up `hwsdk targets`, `doctor`, `target="auto"` or interpreter exit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hwsdk.cli import main
from hwsdk.partition.planner import resolve_targets
from hwsdk.registry import PROBE_BUDGETS, Registry, get_registry, probe_budget
from tests.registry.plugins import API, HEADER, table_hook, targets_hook
from tests.support.fake_dist import installed, write_distribution

SLEEPY = HEADER + API + targets_hook("sleepy") + table_hook("sleepy") + '''
import time

@hookimpl
def hwsdk_probe(target, deep):
    time.sleep(20)
    return Availability(available=True)
'''


@pytest.fixture
def sleepy_root(tmp_path: Path) -> Path:
    root = tmp_path / "sleepy"
    write_distribution(root, "hwsdk-test-sleepy", "0.3", {"hwsdk_test_sleepy": SLEEPY},
                       {"sleepy": "hwsdk_test_sleepy"})
    return root


@pytest.fixture
def sleepy(sleepy_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    monkeypatch.setenv("HWSDK_PLUGINS", "sleepy")
    monkeypatch.setenv("HWSDK_PROBE_TIMEOUT", "0.3")
    monkeypatch.setenv("HWSDK_DEEP_PROBE_TIMEOUT", "0.5")
    with installed(sleepy_root):
        yield get_registry()


def test_slow_probe_reads_unavailable_within_its_budget(sleepy: Registry) -> None:
    start = time.perf_counter()
    quick = sleepy.probe("sleepy", deep=False)
    assert time.perf_counter() - start < 3
    assert not quick.available and "probe took longer than 0.3 s" in quick.reason
    assert "HWSDK_PROBE_TIMEOUT" in quick.reason
    start = time.perf_counter()
    again = sleepy.probe("sleepy", deep=False)  # the first is still running: no new wait
    assert time.perf_counter() - start < 0.2 and "still running" in again.reason
    deep = sleepy.probe("sleepy", deep=True)
    assert not deep.available and "deep probe took longer than 0.5 s" in deep.reason
    assert sleepy.plugins["sleepy"].ok  # slow is not broken: the target stays registered


def test_auto_skips_a_slow_target_and_torch_still_answers(sleepy: Registry) -> None:
    start = time.perf_counter()
    _, prefs, availability = resolve_targets("auto", sleepy)
    assert time.perf_counter() - start < 3
    assert "sleepy" not in prefs
    assert "took longer than 0.5 s" in availability["sleepy"]["reason"]


def test_targets_command_is_not_held(sleepy: Registry,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    start = time.perf_counter()
    assert main(["targets"]) == 0
    assert time.perf_counter() - start < 3
    row = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("sleepy "))
    assert " no " in row and "took longer than 0.3 s" in row


def test_a_hung_probe_does_not_hold_up_exit(sleepy_root: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(sleepy_root),
                                                        str(Path(__file__).parents[2])]),
           "HWSDK_PLUGINS": "sleepy", "HWSDK_PROBE_TIMEOUT": "0.5"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "hwsdk", "targets"], capture_output=True,
                          text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "took longer than 0.5 s" in done.stdout
    assert time.perf_counter() - start < 15  # the probe sleeps 20 s


def test_budget_defaults_and_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HWSDK_PROBE_TIMEOUT", raising=False)
    assert probe_budget(False) == PROBE_BUDGETS[False] < probe_budget(True)
    monkeypatch.setenv("HWSDK_PROBE_TIMEOUT", "soon")
    with pytest.warns(UserWarning, match="not a positive number"):
        assert probe_budget(False) == PROBE_BUDGETS[False]
