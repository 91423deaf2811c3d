"""A bench/llm.py worker: ``PYTHONPATH=bench python -m llm_workers.worker``.

Serves the protocol of :mod:`llm_workers.protocol` on stdin/stdout for one runner: loads and
warms it up on ``load``, answers each ``run`` with one measured generation, exits on ``quit``
or when stdin closes. An exception is answered with an ``error`` event; the worker stays up.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from typing import IO, Any

from llm_workers.protocol import Spec, TokenClock, messages, open_channel, send
from llm_workers.runners import Runner, make_runner


def _error(exc: BaseException) -> dict[str, Any]:
    first = str(exc).splitlines()[0] if str(exc) else ""
    return {"event": "error", "error": f"{type(exc).__name__}: {first}"[:300],
            "traceback": traceback.format_exc()[-4000:]}


def _load(spec: Spec) -> tuple[Runner, dict[str, Any]]:
    start = time.perf_counter()
    runner = make_runner(spec.kind)
    info = runner.load(spec)
    for _ in range(spec.warmup):
        runner.generate(TokenClock())
    return runner, {"event": "ready", "load_s": time.perf_counter() - start, "info": info}


def serve(channel: IO[str], commands: IO[str]) -> None:
    runner: Runner | None = None
    spec: Spec | None = None
    for message in messages(commands):
        cmd = message.get("cmd")
        try:
            if cmd == "load":
                spec = Spec(**message["spec"])
                runner, ready = _load(spec)
                send(channel, ready)
            elif cmd == "run":
                if runner is None or spec is None:
                    raise RuntimeError("'run' before a successful 'load'")
                if "prompt" in message:  # this round's prompt, as long as the warm-up's
                    spec.prompt = [int(t) for t in message["prompt"]]
                clock = TokenClock()
                clock.start()
                ids = runner.generate(clock)
                send(channel, clock.result(ids))
            elif cmd == "quit":
                return
            else:
                raise ValueError(f"unknown command {cmd!r}")
        except Exception as exc:  # answered, not fatal: the coordinator decides
            send(channel, _error(exc))


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    channel = open_channel()
    serve(channel, sys.stdin)
    channel.close()
    sys.stderr.flush()
    os._exit(0)  # skip interpreter teardown (seconds for a loaded model); nothing is pending


if __name__ == "__main__":
    main()
