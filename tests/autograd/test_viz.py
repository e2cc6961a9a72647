"""autograd.viz: the DOT structure of drawn graphs (nodes, edges, labels, clusters, marks),
saving in each format, the missing-`dot` error path, and deep/large graphs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import graphviz
import numpy as np
import pytest

import autograd as ag
from autograd import viz
from autograd.function import Function

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="the Graphviz 'dot' program is not installed")

_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s"\]]+)')
_ESCAPE = re.compile(r"\\(.)")


def _unescape(value: str) -> str:
    """A DOT attribute value as Graphviz shows it: quotes removed, \\n and \\l as new lines."""
    if value.startswith('"'):
        value = value[1:-1]
    return _ESCAPE.sub(lambda m: "\n" if m.group(1) in "nl" else m.group(1), value)


def parse_dot(source: str) -> tuple[dict[str, dict], list[tuple[str, str, dict]], dict[str, str]]:
    """(nodes: id -> attrs incl. 'cluster', edges: (source, target, attrs), clusters: name -> label).
    Enough of DOT for what graphviz.Digraph writes; legend nodes are left out."""
    nodes: dict[str, dict] = {}
    edges: list[tuple[str, str, dict]] = []
    clusters: dict[str, str] = {}
    stack: list[str] = []
    for line in source.splitlines():
        line = line.strip()
        if match := re.fullmatch(r"subgraph (\S+) \{", line):
            stack.append(match.group(1))
            continue
        if line == "}":
            if stack:
                stack.pop()
            continue
        if match := re.fullmatch(r"(\w+) -> (\w+)(?: \[(.*)\])?", line):
            attrs = {k: _unescape(v) for k, v in _ATTR.findall(match.group(3) or "")}
            if not match.group(1).startswith("legend_"):
                edges.append((match.group(1), match.group(2), attrs))
            continue
        if match := re.fullmatch(r"(\w+) \[(.*)\]", line):
            name = match.group(1)
            if name not in ("graph", "node", "edge") and not name.startswith("legend_"):
                attrs = {k: _unescape(v) for k, v in _ATTR.findall(match.group(2))}
                attrs["cluster"] = stack[-1] if stack else None
                nodes[name] = attrs
            continue
        if stack and "label=" in line and stack[-1] not in clusters:
            clusters[stack[-1]] = dict((k, _unescape(v)) for k, v in _ATTR.findall(line))["label"]
    return nodes, edges, clusters


def lines_of(node: dict) -> list[str]:
    return node["label"].split("\n")


def by_first_line(nodes: dict[str, dict]) -> dict[str, str]:
    """First label line -> node id (for graphs whose first lines are unique)."""
    return {lines_of(attrs)[0]: name for name, attrs in nodes.items()}


def small_graph():
    """loss = sum(x * w + b) with x a named constant and w, b parameters."""
    x = ag.Tensor(np.arange(3.0), name="x")
    w = ag.Tensor(np.ones(3), requires_grad=True, name="w")
    b = ag.Tensor(np.zeros(3), requires_grad=True, name="b")
    loss = (x * w + b).sum()
    loss.name = "loss"
    return x, w, b, loss


# ---------------------------------------------------------------------------- structure
def test_autograd_imports_without_graphviz():
    code = "import sys, autograd, autograd.viz; assert 'graphviz' not in sys.modules, 'graphviz imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_returns_a_digraph_that_jupyter_can_show():
    *_, loss = small_graph()
    graph = viz.draw_graph(loss)
    assert isinstance(graph, graphviz.Digraph)
    assert hasattr(graph, "_repr_mimebundle_")
    if HAS_DOT:
        assert "<svg" in graph._repr_mimebundle_(include=["image/svg+xml"])["image/svg+xml"]


def test_small_graph_nodes_and_edges():
    *_, loss = small_graph()
    nodes, edges, _ = parse_dot(viz.draw_graph(loss, legend=False).source)
    assert len(nodes) == 3 + 3 + 1  # ops Mul Add Sum, leaves x w b, the output
    ids = by_first_line(nodes)
    assert set(ids) == {"x", "w", "b", "Mul", "Add", "Sum", "loss"}
    got = {(nodes[s]["label"].split("\n")[0], nodes[t]["label"].split("\n")[0], a.get("xlabel")) for s, t, a in edges}
    assert got == {
        ("x", "Mul", "(3,)"),
        ("w", "Mul", "(3,)"),
        ("Mul", "Add", "(3,)"),
        ("b", "Add", "(3,)"),
        ("Add", "Sum", "(3,)"),
        ("Sum", "loss", "()"),
    }
    assert len(edges) == 6
    # leaves show name, shape and dtype; kinds differ by shape and colour
    assert lines_of(nodes[ids["w"]]) == ["w", "(3,) float64"]
    kinds = {name: (nodes[ids[name]]["shape"], nodes[ids[name]]["fillcolor"]) for name in ("x", "w", "loss")}
    assert len(set(kinds.values())) == 3
    assert nodes[ids["w"]]["shape"] == nodes[ids["b"]]["shape"] == "ellipse"
    for op in ("Mul", "Add", "Sum"):
        assert "shape" not in nodes[ids[op]]  # the op style is the graph's node default: a box
    assert "shape=box" in viz.draw_graph(loss).source.split("\n")[2]


def test_argument_order_and_an_unnamed_leaf():
    a = ag.Tensor(np.ones((2, 3)), requires_grad=True)
    c = ag.Tensor(np.ones((3, 4)), requires_grad=True, name="c")
    out = a @ c
    nodes, edges, _ = parse_dot(viz.draw_graph(out, legend=False).source)
    assert len(nodes) == 1 + 2 + 1
    unnamed = [lines_of(n) for n in nodes.values() if n.get("shape") == "ellipse" and "c" not in lines_of(n)]
    assert ["(2, 3) float64"] in unnamed
    assert [lines_of(n) for n in nodes.values() if n.get("peripheries") == "2"] == [["output", "(2, 4) float64"]]
    into_matmul = [lines_of(nodes[s])[0] for s, t, _ in edges if lines_of(nodes[t])[0] == "MatMul"]
    assert into_matmul == ["(2, 3) float64", "c"]  # edges in argument order


def test_shared_subgraph_drawn_once():
    a = ag.Tensor(np.ones(2), requires_grad=True, name="a")
    h = a * 2.0
    y = (h + h * h).sum()
    nodes, edges, _ = parse_dot(viz.draw_graph(y, legend=False).source)
    labels = [lines_of(n)[0] for n in nodes.values()]
    assert sorted(labels) == sorted(["a", "Mul", "Mul", "Add", "Sum", "output"])
    first_mul = next(n for n, attrs in nodes.items() if lines_of(attrs)[:2] == ["Mul", "b=2"])
    assert sum(1 for s, _, _ in edges if s == first_mul) == 3  # h feeds Add once and h * h twice


def test_structure_survives_backward_without_retain_graph():
    *_, loss = small_graph()
    loss.backward()
    nodes, edges, _ = parse_dot(viz.draw_graph(loss, legend=False).source)
    # the constant x is no longer known; ops, parameters and the output are
    assert sorted(lines_of(n)[0] for n in nodes.values()) == sorted(["w", "b", "Mul", "Add", "Sum", "loss"])
    ids = by_first_line(nodes)
    assert (ids["Mul"], ids["Add"], {}) in edges  # shape of an intermediate result: unknown now


def test_named_intermediate_and_settings_of_ops():
    x = ag.Tensor(np.ones((2, 3)), requires_grad=True, name="x")
    hidden = x * x
    hidden.name = "hidden"
    y = (hidden**2).sum(axis=1)
    nodes, edges, _ = parse_dot(viz.draw_graph(y, legend=False).source)
    ids = by_first_line(nodes)
    assert len(nodes) == 3 + 1 + 1 + 1  # Mul Pow Sum, leaf x, named hidden, output
    assert lines_of(nodes[ids["hidden"]]) == ["hidden", "(2, 3) float64"]
    assert (ids["Mul"], ids["hidden"], {"xlabel": "(2, 3)"}) in edges
    assert (ids["hidden"], ids["Pow"], {"xlabel": "(2, 3)"}) in edges
    assert not any(s == ids["Mul"] and t == ids["Pow"] for s, t, _ in edges)
    assert lines_of(nodes[ids["Pow"]]) == ["Pow", "p=2"]
    assert lines_of(nodes[ids["Sum"]]) == ["Sum", "axis=1"]


def test_settings_read_like_python():
    a = ag.Tensor(np.ones((4, 3)), requires_grad=True, name="a")
    y = a[0, 1:].sum() + a[::2].sum() + a.reshape(3, 4).sum() + (a * np.float64(0.5)).sum()
    nodes, _, _ = parse_dot(viz.draw_graph(y, legend=False).source)
    settings = sorted(lines_of(n)[1] for n in nodes.values() if len(lines_of(n)) == 2 and n.get("shape") is None)
    assert settings == ["b=0.5", "index=[0, 1:]", "index=[::2]", "shape=(3, 4)"]


class _SplitHalves(Function):
    """A two-output op, to check that edges name the output they carry."""

    @staticmethod
    def forward(ctx, x):
        return x[:2].copy(), x[2:].copy()

    @staticmethod
    def backward(ctx, grad_first, grad_second):
        return np.concatenate([grad_first, grad_second])


def test_multi_output_op_and_custom_function_name():
    x = ag.Tensor(np.arange(5.0), requires_grad=True, name="x")
    first, second = _SplitHalves.apply(x)
    y = first.sum() + second.sum()
    nodes, edges, _ = parse_dot(viz.draw_graph(y, legend=False).source)
    split = next(n for n, attrs in nodes.items() if lines_of(attrs)[0] == "_SplitHalves")
    assert sorted(a["xlabel"] for s, _, a in edges if s == split) == ["(2,)", "[1] (3,)"]


def test_several_roots_and_a_leaf_root():
    a = ag.Tensor(np.ones(2), requires_grad=True, name="a")
    nodes, _, _ = parse_dot(viz.draw_graph([a.sum(), a.exp()], legend=False).source)
    assert sorted(lines_of(n)[0] for n in nodes.values()) == ["Exp", "Sum", "a", "output", "output"]
    nodes, edges, _ = parse_dot(viz.draw_graph(a).source)
    assert [lines_of(n) for n in nodes.values()] == [["a", "(2,) float64"]] and edges == []


def test_bad_arguments():
    *_, loss = small_graph()
    with pytest.raises(TypeError, match="root must be a Tensor"):
        viz.draw_graph(np.ones(3))
    with pytest.raises(ValueError, match="rankdir must be one of TB, LR, BT, RL"):
        viz.draw_graph(loss, rankdir="sideways")


# ---------------------------------------------------------------------------- escaping
NASTY = ['a"b<c>', "<b>bold</b>", "back\\slash", "ends\\", "brace{x}|y", "two\nlines"]


@pytest.mark.parametrize("name", NASTY)
def test_names_are_escaped(name):
    w = ag.Tensor(np.ones(2), requires_grad=True, name=name)
    graph = viz.draw_graph((w * w).sum(), legend=False)
    nodes, _, _ = parse_dot(graph.source)
    (leaf,) = [n for n in nodes.values() if n.get("shape") == "ellipse" and "peripheries" not in n]
    assert lines_of(leaf)[:-1] == name.split("\n")  # the text survives, a new line stays a line break
    assert "label=<" not in graph.source  # never turned into an HTML label
    if HAS_DOT:
        svg = graph.pipe(format="svg").decode()  # dot parses it
        for part in name.split("\n"):
            shown = part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            assert shown in svg.replace("&quot;", '"').replace("&#45;", "-"), part


@pytest.mark.parametrize("module", ['bad"mod<x>', "<b>html</b>", "back\\slash"])
def test_nasty_module_name_in_a_cluster(module):
    w = ag.Tensor(np.ones(2), requires_grad=True, name=f"{module}.weight")
    graph = viz.draw_graph((w * w).sum())
    _, _, clusters = parse_dot(graph.source)
    assert module in clusters.values()
    assert "label=<" not in graph.source
    if HAS_DOT:
        svg = graph.pipe(format="svg").decode()
        assert module.replace("<", "&lt;").replace(">", "&gt;") in svg.replace("&quot;", '"')


# ---------------------------------------------------------------------------- options
def test_show_values_prints_small_arrays_and_summarises_large():
    rng = np.random.default_rng(0)
    big = rng.normal(size=(100, 2))
    x = ag.Tensor(big, name="x")
    w = ag.Tensor(np.array([0.5, -1.25]), requires_grad=True, name="w")
    loss = (x * w).sum()
    plain, _, _ = parse_dot(viz.draw_graph(loss, legend=False).source)
    assert all("min" not in n["label"] and "0.5" not in n["label"] for n in plain.values())
    nodes, _, _ = parse_dot(viz.draw_graph(loss, show_values=True, legend=False).source)
    ids = by_first_line(nodes)
    assert lines_of(nodes[ids["w"]]) == ["w", "(2,) float64", "[ 0.5  -1.25]"]
    summary = " ".join(lines_of(nodes[ids["x"]])[2:])
    assert f"min {big.min():.4g}" in summary and f"max {big.max():.4g}" in summary
    assert f"mean {big.mean():.4g}" in summary
    assert len(lines_of(nodes[ids["x"]])) <= 4  # summarised, not 100 rows
    total = float((big * [0.5, -1.25]).sum())
    assert any(f"{total:.4f}"[:5] in line for line in lines_of(nodes[ids["output"]]))


def test_show_grads_marks_vanishing_and_exploding():
    big = ag.Tensor(np.ones(4), requires_grad=True, name="big")
    tiny = ag.Tensor(np.ones(4), requires_grad=True, name="tiny")
    fine = ag.Tensor(np.ones(4), requires_grad=True, name="fine")
    unused = ag.Tensor(np.ones(4), requires_grad=True, name="unused")
    loss = (big * 1e4).sum() + (tiny * 1e-9).sum() + fine.sum() + (unused * 0.0).sum()
    loss.backward(retain_graph=True)
    unused.grad = None
    plain = viz.draw_graph(loss).source
    assert "|grad|" not in plain and "vanishing" not in plain
    source = viz.draw_graph(loss, show_grads=True).source
    nodes, _, _ = parse_dot(source)
    ids = by_first_line(nodes)
    assert lines_of(nodes[ids["big"]])[-1] == "|grad| = 2e+04 (exploding)"
    assert lines_of(nodes[ids["tiny"]])[-1] == "|grad| = 2e-09 (vanishing)"
    assert lines_of(nodes[ids["fine"]])[-1] == "|grad| = 2"
    assert lines_of(nodes[ids["unused"]])[-1] == "grad: none"
    colours = {name: nodes[ids[name]]["fillcolor"] for name in ("big", "tiny", "fine")}
    assert len(set(colours.values())) == 3
    assert nodes[ids["big"]]["penwidth"] == nodes[ids["tiny"]]["penwidth"] != nodes[ids["fine"]].get("penwidth")
    # the legend says the thresholds, with the same colours
    legend = source[source.index("cluster_legend") :]
    assert "|grad| < 1e-07" in legend and "|grad| > 1000" in legend
    assert colours["big"] in legend and colours["tiny"] in legend


def test_show_grads_marks_non_finite_as_exploding():
    w = ag.Tensor(np.ones(2), requires_grad=True, name="w")
    loss = (w * 2.0).sum()
    loss.backward(retain_graph=True)
    w.grad = ag.Tensor(np.array([np.nan, 1.0]))
    nodes, _, _ = parse_dot(viz.draw_graph(loss, show_grads=True).source)
    assert lines_of(nodes[by_first_line(nodes)["w"]])[-1] == "|grad| = nan (exploding)"


def test_rankdir():
    *_, loss = small_graph()
    assert "rankdir=TB" in viz.draw_graph(loss).source
    assert "rankdir=LR" in viz.draw_graph(loss, rankdir="LR").source
    assert "rankdir=TB" not in viz.draw_graph(loss, rankdir="LR").source


def test_legend_lists_the_kinds_drawn():
    *_, loss = small_graph()
    source = viz.draw_graph(loss).source
    legend = source[source.index("subgraph cluster_legend") :]
    assert all(f"legend_{kind}" in legend for kind in ("parameter", "constant", "output", "op"))
    assert "legend_intermediate" not in legend and "legend_vanishing" not in legend
    assert "cluster_legend" not in viz.draw_graph(loss, legend=False).source


def test_params_mapping_names_unnamed_leaves():
    weight = ag.Tensor(np.ones((3, 2)), requires_grad=True)
    out = (ag.Tensor(np.ones((4, 3))) @ weight).sum()
    nodes, _, clusters = parse_dot(viz.draw_graph(out, params={"fc.weight": weight}, legend=False).source)
    node = nodes[by_first_line(nodes)["fc.weight"]]
    assert node["cluster"] is not None and clusters[node["cluster"]] == "fc"


# ---------------------------------------------------------------------------- clusters
def _linear(h, weight, bias):
    return (h @ weight.T + bias).sigmoid()


def test_clusters_from_dotted_parameter_names():
    rng = np.random.default_rng(1)
    params = {}
    for i, (n_in, n_out) in enumerate([(2, 3), (3, 1)]):
        params[i] = (
            ag.Tensor(rng.normal(size=(n_out, n_in)), requires_grad=True, name=f"layers.{i}.weight"),
            ag.Tensor(np.zeros(n_out), requires_grad=True, name=f"layers.{i}.bias"),
        )
    h = ag.Tensor(rng.normal(size=(5, 2)), name="x")
    for weight, bias in params.values():
        h = _linear(h, weight, bias)
    nodes, edges, clusters = parse_dot(viz.draw_graph(h.mean()).source)
    assert sorted(clusters.values()) == ["Legend", "layers.0", "layers.1"]
    members: dict[str, list[str]] = {}
    for attrs in nodes.values():
        if attrs["cluster"] is not None:
            members.setdefault(clusters[attrs["cluster"]], []).append(lines_of(attrs)[0])
    for i in range(2):  # W, b, W.T, the MatMul between W.T and + b, and the Add
        assert sorted(members[f"layers.{i}"]) == sorted(
            [f"layers.{i}.weight", f"layers.{i}.bias", "Transpose", "MatMul", "Add"]
        )
    outside = sorted(lines_of(a)[0] for a in nodes.values() if a["cluster"] is None)
    assert outside == ["Mean", "Sigmoid", "Sigmoid", "output", "x"]
    assert "cluster_" not in viz.draw_graph(h.mean(), clusters=False, legend=False).source


def _lab_mlp():
    nn = pytest.importorskip("nn")
    if not hasattr(nn, "MLP"):
        pytest.skip("nn.MLP is not there yet")
    import nn.functional as F

    nn.manual_seed(0)
    model = nn.MLP([2, 4, 4, 1])
    rng = np.random.default_rng(0)
    x = ag.Tensor(rng.random((100, 2)), name="x")
    y = ag.Tensor((rng.random((100, 1)) > 0.5).astype(np.float64), name="y")
    loss = F.mse_loss(model(x), y)
    return model, loss


def test_clusters_of_the_lab_mlp():
    model, loss = _lab_mlp()
    nodes, edges, clusters = parse_dot(viz.draw_graph(loss).source)
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == 6
    labels = {lines_of(a)[0]: a for a in nodes.values()}
    modules = set()
    for name in names:
        module = name.rpartition(".")[0]
        modules.add(module)
        assert name in labels, f"parameter {name} is not labelled by its path"
        assert clusters[labels[name]["cluster"]] == module
        # the op(s) using the parameter directly sit in the same cluster
        node_id = next(i for i, a in nodes.items() if lines_of(a)[0] == name)
        for source, target, _ in edges:
            if source == node_id:
                assert clusters[nodes[target]["cluster"]] == module
    assert len(modules) == 3 and modules <= set(clusters.values())


@needs_dot
def test_lab_mlp_renders(tmp_path):
    _, loss = _lab_mlp()
    path = viz.save_graph(loss, tmp_path / "mlp.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------- size
def test_100k_chain_draws_without_recursion():
    x = ag.Tensor(np.ones(2), requires_grad=True, name="x")
    h = x
    for _ in range(100_000):
        h = -h
    graph = viz.draw_graph(h, legend=False, max_nodes=None, tooltips=False)
    source = graph.source
    assert source.count(" -> ") == 100_001
    assert source.count("[label=Neg]") == 100_000


def test_5000_node_graph_under_a_second():
    x = ag.Tensor(np.ones(3), requires_grad=True, name="x")
    w = ag.Tensor(np.ones(3), requires_grad=True, name="w")
    h = x
    for i in range(4_998):
        h = h * w if i % 2 else h + w
    start = time.perf_counter()
    source = viz.draw_graph(h, max_nodes=None).source
    elapsed = time.perf_counter() - start
    print(f"DOT source of a 5,001-node graph in {elapsed:.3f} s")
    nodes, edges, _ = parse_dot(source)
    assert len(nodes) == 5_001 and len(edges) == 2 * 4_998 + 1
    assert elapsed < 5.0


# ---------------------------------------------------------------------------- saving
def _no_dot(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)


def test_save_dot_works_without_the_dot_program(tmp_path, monkeypatch):
    _no_dot(monkeypatch)
    *_, loss = small_graph()
    path = viz.save_graph(loss, tmp_path / "graph.dot", show_values=True)
    text = path.read_text(encoding="utf-8")
    assert text == viz.draw_graph(loss, show_values=True).source
    nodes, _, _ = parse_dot(text)
    assert len(nodes) == 7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.dot"]
    reference = tmp_path / "reference"
    reference.write_text("")
    assert path.stat().st_mode == reference.stat().st_mode  # a normal file, not a private temporary
    reference.unlink()
    viz.save_graph(loss, str(tmp_path / "graph.gv"))  # a str path, the other DOT extension
    assert (tmp_path / "graph.gv").read_text(encoding="utf-8") == viz.draw_graph(loss).source


@needs_dot
@pytest.mark.parametrize(("extension", "magic"), [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_save_renders_with_dot(tmp_path, extension, magic):
    *_, loss = small_graph()
    path = viz.save_graph(loss, tmp_path / f"graph.{extension.upper()}", rankdir="LR")
    assert path.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [f"graph.{extension.upper()}"]
    if extension == "svg":
        assert ">Mul</text>" in path.read_text() and ">loss</text>" in path.read_text()


@pytest.mark.parametrize("how", ["which", "path"])
@pytest.mark.parametrize("extension", ["png", "svg", "pdf"])
def test_missing_dot_says_how_to_install_and_leaves_no_file(tmp_path, monkeypatch, how, extension):
    if how == "which":
        _no_dot(monkeypatch)
    else:
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    *_, loss = small_graph()
    with pytest.raises(RuntimeError) as raised:
        viz.save_graph(loss, tmp_path / f"graph.{extension}")
    assert isinstance(raised.value, viz.GraphvizNotFoundError)
    message = str(raised.value)
    assert "apt-get install graphviz" in message and "brew install graphviz" in message and "conda" in message
    assert ".dot" in message
    assert list(tmp_path.iterdir()) == []


def test_failed_render_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "graph.svg"
    target.write_text("old")
    monkeypatch.setattr(shutil, "which", lambda *a, **k: "/usr/bin/dot")

    def broken_pipe(self, *args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", broken_pipe)
    *_, loss = small_graph()
    with pytest.raises(viz.GraphvizNotFoundError, match="apt-get install graphviz"):
        viz.save_graph(loss, target)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["graph.svg"]

    def crash(self, *args, **kwargs):
        raise subprocess.CalledProcessError(1, ["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", crash)
    with pytest.raises(subprocess.CalledProcessError):
        viz.save_graph(loss, target)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["graph.svg"]


def test_write_failure_removes_the_temporary(tmp_path, monkeypatch):
    *_, loss = small_graph()

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        viz.save_graph(loss, tmp_path / "graph.dot")
    assert list(tmp_path.iterdir()) == []


def test_unknown_extension_is_a_clear_error(tmp_path):
    *_, loss = small_graph()
    for name in ("graph.jpgx", "graph"):
        with pytest.raises(ValueError, match=r"\.dot, \.gv, \.svg, \.png, \.pdf"):
            viz.save_graph(loss, tmp_path / name)
    assert list(tmp_path.iterdir()) == []
