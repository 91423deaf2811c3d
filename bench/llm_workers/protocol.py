"""The coordinator ⇄ worker exchange: one JSON object per line (stdlib only).

coordinator → worker::

    {"cmd": "load", "spec": {...}}   once: load the runner, warm it up
    {"cmd": "run", "prompt": [ids]}  once per round: one measured generation (on that prompt,
                                     as long as the spec's; the spec's own when none is given)
    {"cmd": "quit"}

worker → coordinator, one line per command::

    {"event": "ready", "load_s": 3.1, "info": {...}}
    {"event": "result", "ttft_ms": 18.0, "decode_tok_s": 161.0, "new_tokens": 64, "ids": [...]}
    {"event": "error", "error": "ValueError: ...", "traceback": "..."}

Libraries print to stdout (export logs, warnings), so the worker keeps the real stdout for the
protocol alone and points file descriptor 1 at stderr (see :func:`open_channel`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import IO, Any

__all__ = ["Spec", "TokenClock", "open_channel", "send", "messages"]


@dataclass
class Spec:
    """What a worker runs: one runner kind with its options, on the shared model and prompt."""

    kind: str
    model_dir: str = ""
    workdir: str = ""
    prompt: list[int] = field(default_factory=list)
    new_tokens: int = 64
    threads: int = 2
    warmup: int = 1
    options: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class TokenClock:
    """Timestamps of one generation: ``start()`` before the call, ``token()`` as each new token
    becomes available to the caller."""

    def __init__(self) -> None:
        self.started = 0.0
        self.times: list[float] = []

    def start(self) -> None:
        self.started = time.perf_counter()
        self.times = []

    def token(self, count: int = 1) -> None:
        now = time.perf_counter()
        self.times.extend([now] * count)

    def result(self, ids: list[int]) -> dict[str, Any]:
        """The measurement: time to first token, and decode tokens/s over the tokens after the
        first (``(n - 1) / (t_last - t_first)``)."""
        if not self.times:
            raise RuntimeError("the runner reported no token times")
        first, last = self.times[0], self.times[-1]
        decode = (len(self.times) - 1) / (last - first) if last > first else None
        return {"event": "result", "ttft_ms": (first - self.started) * 1e3,
                "decode_tok_s": decode, "new_tokens": len(ids), "timed_tokens": len(self.times),
                "ids": ids}


def open_channel() -> IO[str]:
    """The protocol's output: a duplicate of stdout; fd 1 itself then goes to stderr, so that
    anything else printed (by Python or by C++ libraries) stays out of the protocol."""
    sys.stdout.flush()
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return channel


def send(channel: IO[str], message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def messages(stream: IO[str]) -> Iterator[dict[str, Any]]:
    """The commands arriving on ``stream``, until it closes."""
    for line in stream:
        if line.strip():
            yield json.loads(line)
