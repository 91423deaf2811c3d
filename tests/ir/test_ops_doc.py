"""docs/ops.md is generated from the op registry and must be up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hwsdk.ir.opdef import all_ops
from hwsdk.ir.opsdoc import render_ops_markdown

REPO = Path(__file__).resolve().parents[2]


def test_ops_md_is_up_to_date() -> None:
    committed = (REPO / "docs" / "ops.md").read_text()
    assert committed == render_ops_markdown(), (
        "docs/ops.md is stale: run `python scripts/gen_ops_doc.py` and commit the result")


def test_ops_md_names_every_op_and_aten_overload() -> None:
    text = render_ops_markdown()
    for op in all_ops():
        assert f"### `{op.name}`" in text
        for overload in op.aten:
            assert f"`{overload}`" in text


def test_check_mode_of_the_script() -> None:
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "gen_ops_doc.py"), "--check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    code = ("import sys, hwsdk.ir.opsdoc as d; d.render_ops_markdown(); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
