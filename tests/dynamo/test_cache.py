"""A graph compiled before with the same settings reuses its compiled regions."""

from __future__ import annotations


def test_a_second_instance_reuses_the_compiled_regions() -> None:
    import torch

    import hwsdk
    from hwsdk.dynamo import cache_info
    from tests import models
    from tests.dynamo.conftest import close

    first, (x,) = models.mlp()
    second, _ = models.mlp()  # same architecture, other weights: weights are graph inputs
    options = {"target": "cpu", "min_block_size": 2}
    before = cache_info()
    with torch.no_grad():
        a = torch.compile(first, backend="hwsdk", options=dict(options))
        close(a(x), first(x), atol=1e-5)
        b = torch.compile(second, backend="hwsdk", options=dict(options))
        close(b(x), second(x), atol=1e-5)
    after = cache_info()
    assert after["hits"] == before["hits"] + 1
    assert after["misses"] == before["misses"] + 1
    (plan,) = hwsdk.plans(b)
    assert any("reused" in note for note in plan.notes)
    assert not any("reused" in note for note in hwsdk.plans(a)[0].notes)
