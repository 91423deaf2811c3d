"""Plans with several targets, from the bundled models and the subset test plugin."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.fake_dist import subset_plugin


@pytest.fixture(scope="package")
def subset_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The subset plugin (linear, matmul, layer_norm, gelu, add … in f32) installed."""
    with subset_plugin(tmp_path_factory.mktemp("subset")) as name:
        yield name


@pytest.fixture(scope="package")
def captured_bert() -> Any:
    from hwsdk.ir.capture import capture
    from hwsdk.models import build

    model, inputs = build("bert")
    return capture(model, inputs)


@pytest.fixture(scope="package")
def bert_plan(subset_target: str, captured_bert: Any) -> Any:
    """BERT-style encoder on subset > torch: alternating accelerator and PyTorch regions."""
    from hwsdk.partition.planner import plan_graph

    return plan_graph(captured_bert, subset_target, model_name="BERT")
