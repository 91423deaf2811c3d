"""Region cutting on hand-made graphs: the diamond that naive merging turns into a cycle."""

from __future__ import annotations

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node, TensorType
from hwsdk.partition.regions import cut_regions
from tests.partition.checks import check_partition, has_cycle, region_edges


def diamond() -> tuple[Graph, dict[str, str]]:
    """n0 (A) feeds n1 (torch) and n2 (A); n3 (A) joins both: A -> T -> A plus an A -> A bypass.

    Grouping the three A nodes by connectivity alone gives one region {n0, n2, n3} that both
    feeds n1 and waits for it: a cycle.
    """
    t = TensorType(DType.f32, (2, 2))
    nodes = [Node("n0", "relu", ["x"], {}, ["a"]),
             Node("n1", "tanh", ["a"], {}, ["t"]),
             Node("n2", "relu", ["a"], {}, ["b"]),
             Node("n3", "add", ["t", "b"], {}, ["y"])]
    graph = Graph(["x"], ["y"], nodes, {v: t for v in "xatby"})
    return graph, {"n0": "A", "n1": "torch", "n2": "A", "n3": "A"}


def test_diamond_creates_no_cycle() -> None:
    graph, placement = diamond()
    cuts, folded = cut_regions(graph, dict(placement), "torch")
    assert folded == set()
    check_partition(graph, placement, placement, cuts, folded, 1)
    region_of = {i: k for k, cut in enumerate(cuts) for i in cut.node_ids}
    assert region_of["n0"] == region_of["n2"]  # the bypass is grown with its producer
    assert region_of["n0"] != region_of["n3"]  # never merged across the torch node
    assert [(c.target, c.node_ids) for c in cuts] == [
        ("A", ["n0", "n2"]), ("torch", ["n1"]), ("A", ["n3"])]
    assert cuts[0].outputs == ["a", "b"] and cuts[2].inputs == ["t", "b"]
    assert not has_cycle(len(cuts), region_edges(graph, cuts))


def test_diamond_small_blocks_fold_into_torch() -> None:
    graph, placement = diamond()
    after = dict(placement)
    cuts, folded = cut_regions(graph, after, "torch", min_block_size=3)
    assert folded == {"n0", "n2", "n3"}
    assert [(c.target, c.node_ids) for c in cuts] == [("torch", ["n0", "n1", "n2", "n3"])]
    check_partition(graph, placement, after, cuts, folded, 3)


def test_min_block_size_two_keeps_the_pair_and_folds_the_single() -> None:
    graph, placement = diamond()
    after = dict(placement)
    cuts, folded = cut_regions(graph, after, "torch", min_block_size=2)
    assert folded == {"n3"}
    assert [(c.target, c.node_ids) for c in cuts] == [("A", ["n0", "n2"]),
                                                      ("torch", ["n1", "n3"])]


def test_fallback_work_runs_first_so_accelerator_regions_grow() -> None:
    """Two independent A chains separated by a torch node feeding only the second: the sweep
    runs ready torch work first, so both A chains end up in one region where legal."""
    t = TensorType(DType.f32, (2,))
    nodes = [Node("n0", "tanh", ["x"], {}, ["p"]),        # torch
             Node("n1", "relu", ["x"], {}, ["a"]),        # A
             Node("n2", "add", ["a", "p"], {}, ["b"]),    # A
             Node("n3", "relu", ["b"], {}, ["y"])]        # A
    graph = Graph(["x"], ["y"], nodes, {v: t for v in "xpaby"})
    placement = {"n0": "torch", "n1": "A", "n2": "A", "n3": "A"}
    cuts, _ = cut_regions(graph, dict(placement), "torch")
    assert [(c.target, c.node_ids) for c in cuts] == [("torch", ["n0"]),
                                                      ("A", ["n1", "n2", "n3"])]


def quantized_layers() -> tuple[Graph, dict[str, str]]:
    """Two ``dequantize -> linear`` layers on A with a torch node between them: every
    dequantize is ready at the start (it reads only params)."""
    f, i8, s = TensorType(DType.f32, (4, 4)), TensorType(DType.i8, (4, 4)), \
        TensorType(DType.f32, (4,))
    dq = {"bits": 8, "group_size": 0, "shape": [4, 4]}
    nodes = [Node("d0", "dequantize", ["q0", "s0"], dq, ["w0"]),
             Node("l0", "linear", ["x", "w0", ""], {}, ["h0"]),
             Node("t", "tanh", ["h0"], {}, ["h1"]),
             Node("d1", "dequantize", ["q1", "s1"], dq, ["w1"]),
             Node("l1", "linear", ["h1", "w1", ""], {}, ["y"])]
    types = {**{v: f for v in ("x", "w0", "h0", "h1", "w1", "y")}, "q0": i8, "q1": i8,
             "s0": s, "s1": s}
    graph = Graph(["x"], ["y"], nodes, types, ["q0", "s0", "q1", "s1"])
    return graph, {"d0": "A", "l0": "A", "t": "torch", "d1": "A", "l1": "A"}


def test_a_dequantize_stays_in_the_region_of_its_linear() -> None:
    graph, placement = quantized_layers()
    cuts, _ = cut_regions(graph, dict(placement), "torch")
    # d1 waits for what l1 waits for (h1), so its float weight never crosses regions
    assert [(c.target, c.node_ids) for c in cuts] == [
        ("A", ["d0", "l0"]), ("torch", ["t"]), ("A", ["d1", "l1"])]
    assert all(not ({"w0", "w1"} & set(c.inputs)) for c in cuts)
    check_partition(graph, placement, placement, cuts, set(), 1)
