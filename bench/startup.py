"""Start-up time of the query commands, side by side with the interpreter's own start-up.

Not a test. Usage: ``python bench/startup.py [--rounds 15]``.
Writes bench/results/startup.{md,json}.

Each round runs every command once, in rotating order, as a fresh process (what a user typing
it pays): ``python -c pass`` (the floor), ``python -c "import click"`` (the CLI library),
``hwsdk --help``, ``hwsdk targets``, ``hwsdk caps`` with the capability cache warm, and
``hwsdk caps`` with ``HWSDK_NO_CACHE=1`` (what the first call after an install or an edit
pays). The cache lives in a throwaway directory. Medians and p90 in ms, and each median as a
ratio to ``python -c pass`` from the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import RESULTS, machine_info


def _commands() -> dict[str, tuple[list[str], dict[str, str]]]:
    beside = Path(sys.executable).with_name("hwsdk")  # this venv's, not whatever PATH has
    hwsdk = str(beside) if beside.exists() else (shutil.which("hwsdk") or "hwsdk")
    return {
        "python -c pass": ([sys.executable, "-c", "pass"], {}),
        "python -c 'import click'": ([sys.executable, "-c", "import click"], {}),
        "hwsdk --help": ([hwsdk, "--help"], {}),
        "hwsdk targets": ([hwsdk, "targets"], {}),
        "hwsdk caps (cache warm)": ([hwsdk, "caps"], {}),
        "hwsdk caps (HWSDK_NO_CACHE=1)": ([hwsdk, "caps"], {"HWSDK_NO_CACHE": "1"}),
    }


def _run_ms(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1e3


def measure(rounds: int) -> list[dict[str, Any]]:
    commands = _commands()
    cache = tempfile.mkdtemp(prefix="hwsdk-bench-cache-")
    base = {**os.environ, "HWSDK_CACHE_DIR": cache}
    base.pop("HWSDK_NO_CACHE", None)
    names = list(commands)
    for name in names:  # warm the OS page cache, .pyc files and the capability cache
        argv, extra = commands[name]
        _run_ms(argv, {**base, **extra})
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            argv, extra = commands[name]
            samples[name].append(_run_ms(argv, {**base, **extra}))
    shutil.rmtree(cache, ignore_errors=True)
    floor = statistics.median(samples[names[0]])
    rows = []
    for name in names:
        values = sorted(samples[name])
        median = statistics.median(values)
        rows.append({"command": name, "median_ms": median,
                     "p90_ms": values[int(0.9 * (len(values) - 1))],
                     "ratio_to_python": median / floor})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    rows = measure(args.rounds)
    info = machine_info()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps(
        {"machine": info, "rounds": args.rounds, "rows": rows}, indent=2) + "\n")
    lines = ["# Start-up of the query commands", "",
             f"Command: `python bench/startup.py --rounds {args.rounds}` (fresh process per "
             "call, commands interleaved; .pyc files present)", "",
             "Machine: " + ", ".join(f"{k}={v}" for k, v in info.items() if k != "versions"),
             "", "| command | median ms | p90 ms | median / `python -c pass` |",
             "|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['command']} | {row['median_ms']:.0f} | {row['p90_ms']:.0f} | "
                     f"{row['ratio_to_python']:.1f} |")
    (RESULTS / "startup.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
