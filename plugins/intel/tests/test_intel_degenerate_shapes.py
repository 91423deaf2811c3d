"""0-d and zero-size tensors through the intel target, each compiled in a child process.

OpenVINO's CPU plugin ends the process (SIGSEGV for a Broadcast of a 0-d Parameter to shape
``[]``, SIGFPE for a static Broadcast of a zero-size tensor) instead of raising, so the cases run
in a subprocess: a crash fails the test and names the case, rather than killing pytest.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

_CHILD = textwrap.dedent('''
    import sys, warnings
    import torch
    import hwsdk

    warnings.simplefilter("ignore")
    s, v, e = torch.randn(()), torch.randn(1), torch.randn(0, 3)
    CASES = {
        "expand_as_0d": (lambda x, y: x.expand_as(y), (s, torch.randn(()))),
        "expand_0d_to_0d_mul": (lambda x: x.expand(()) * 2, (s,)),
        "expand_0d_to_3": (lambda x: x.expand(3), (s,)),
        "full_0d": (lambda x: torch.full((), 2.0) + x, (s,)),
        "reshape_1_to_0d": (lambda x: x.reshape(()), (v,)),
        "unsqueeze_0d": (lambda x: x.unsqueeze(0), (s,)),
        "select_to_0d": (lambda x: x[0], (torch.randn(4),)),
        "expand_empty": (lambda x: x.expand(2, 0, 3) * 1, (e,)),
        "expand_1_to_empty": (lambda x: x.expand(0, 3) * 1, (torch.randn(1, 3),)),
        "full_empty": (lambda x: torch.full((0, 2), 1.0) + x, (torch.randn(2),)),
        "bool_expand_empty": (lambda x: (x > 0).expand(2, 0, 3), (e,)),
        "matmul_empty_k": (lambda x, y: x @ y, (torch.randn(2, 0), torch.randn(0, 3))),
    }

    class M(torch.nn.Module):
        def __init__(self, fn):
            super().__init__()
            self.fn = fn

        def forward(self, *args):
            return self.fn(*args)

    for name, (fn, args) in CASES.items():
        print("CASE", name, flush=True)
        compiled = hwsdk.compile(M(fn), args, target="intel")
        targets = sorted({region.target for region in compiled.plan.regions})
        assert targets == ["intel:cpu"], (name, targets)
        got, want = compiled(*args), fn(*args)
        assert got.shape == want.shape and got.dtype == want.dtype, (name, got, want)
        assert torch.equal(got, want), (name, got, want)
        print("OK", name, flush=True)
''')


def test_zero_dim_and_empty_shapes_compile_and_match_eager() -> None:
    done = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                          timeout=540)
    cases = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("CASE")]
    last = cases[-1] if cases else "(none started)"
    assert done.returncode == 0, (f"child exited with {done.returncode} in case {last}:\n"
                                  f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    oks = [line for line in done.stdout.splitlines() if line.startswith("OK")]
    assert len(oks) == len(cases) == 12
