"""autograd.viz: trace_backward follows the engine's own order; animate_backward has one frame
per backward node plus one, highlights them in that order and never moves anything; collapse=
and max_nodes keep big graphs under budget; every node carries a tooltip."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import viz
from autograd.viz_animate import RUNNING, backward_frames
from autograd.viz_graph import _ops_in_data_order
from autograd.viz_trace import BackwardTrace

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="the Graphviz 'dot' program is not installed")


def diamond() -> tuple[ag.Tensor, list[str]]:
    """x -> Exp -> (Sin, then Mul) -> Add -> Sum, and the order the engine must run it in:
    newest node first (PyTorch's rule), so Mul, created after Sin, runs before it."""
    x = ag.Tensor(np.array([0.5, -1.0]), requires_grad=True, name="x")
    a = x.exp()
    c = a.sin()
    b = a * 2.0
    return (b + c).sum(), ["Sum", "Add", "Mul", "Sin", "Exp"]


def lab_loss() -> tuple[ag.Tensor, nn.Module]:
    ag.manual_seed(0)
    model = nn.MLP([2, 4, 4, 1])
    X, y = nn.datasets.generate_xor_easy()
    return nn.MSELoss()(model(ag.Tensor(X, name="x")), ag.Tensor(y, name="y")), model


def highlighted(dot_source: str) -> list[str]:
    """The dot ids of the nodes drawn in the 'running now' style (legend left out)."""
    fill = RUNNING["fillcolor"]
    return [m.group(1) for m in re.finditer(rf'^\s*(\w+) \[.*fillcolor="{fill}"', dot_source, re.M)
            if not m.group(1).startswith("legend_")]  # fmt: skip


def dot_ids_in_order(root: ag.Tensor, nodes: list, params=None) -> list[str]:
    builder = viz.build_graph(root, False, False, params, "TB")
    return [builder.nodes[id(node)][0] for node in nodes]


# ---------------------------------------------------------------------------- trace_backward
def test_trace_follows_the_engine_on_a_chain_and_a_diamond():
    x = ag.Tensor(np.array([0.3, 0.7]), requires_grad=True)
    chain = x.exp().sin().tanh().sum()
    assert [s.name for s in viz.trace_backward(chain).steps] == ["Sum", "Tanh", "Sin", "Exp"]
    loss, expected = diamond()
    assert [s.name for s in viz.trace_backward(loss).steps] == expected


def test_planted_walk_order_is_caught():
    """A trace built from a graph walk instead of the engine would list Sin before Mul."""
    loss, expected = diamond()
    walked = [type(node).__name__ for node in reversed(_ops_in_data_order([loss.grad_fn]))]
    assert walked != expected


def test_trace_gradients_are_the_engines_and_nothing_changes():
    loss, _ = diamond()
    x = loss.grad_fn.next_functions[0][0].next_functions[0][0]  # Sum <- Add <- Mul
    intermediate = x.next_functions[0][0].next_functions[0][0]  # Exp's input leaf
    trace = viz.trace_backward(loss)
    (expected,) = ag.grad(loss, [intermediate], retain_graph=True)
    np.testing.assert_array_equal(trace.leaf_grads[0], expected.data)
    assert intermediate.grad is None  # .grad untouched
    exp_step = trace.steps[-1]
    np.testing.assert_allclose(exp_step.grads_out[0], expected.data)  # what Exp sent is the leaf's grad
    # what arrived at Exp is the sum of what Mul and Sin sent to it
    np.testing.assert_allclose(exp_step.grads_in[0], trace.steps[2].grads_out[0] + trace.steps[3].grads_out[0])
    loss.backward()  # the graph is still there
    np.testing.assert_allclose(intermediate.grad.data, expected.data)


def test_trace_restores_retain_grad_and_reduces_broadcast_grads():
    x = ag.Tensor(np.ones((3, 2)), requires_grad=True)
    b = ag.Tensor(np.ones(2), requires_grad=True, name="b")
    h = x + b  # b's gradient is summed over the broadcast axis
    h.retain_grad()
    trace = viz.trace_backward((h * h).sum())
    assert h.grad is None
    add = next(s for s in trace.steps if s.name == "Add")
    assert add.grads_out[1].shape == (2,)
    np.testing.assert_allclose(add.grads_out[1], [12.0, 12.0])


def test_trace_text_one_line_per_node_then_leaves():
    loss, model = lab_loss()
    trace = viz.trace_backward(loss, params=model)
    lines = str(trace).splitlines()
    assert len(lines) == len(trace) + len(list(model.parameters()))
    assert lines[0].split()[1] == trace.steps[0].name and "|g|=" in lines[0]
    assert any("layers.0.weight (4, 2)" in line for line in lines)


def test_trace_of_a_freed_graph_is_a_clear_error():
    loss, _ = diamond()
    loss.backward()
    with pytest.raises(RuntimeError, match="freed by an earlier backward"):
        viz.trace_backward(loss)


# ---------------------------------------------------------------------------- frames
def test_frames_highlight_the_engines_order_then_none():
    loss, model = lab_loss()
    trace = viz.trace_backward(loss, params=model)
    frames = backward_frames(loss, trace, model)
    assert len(frames) == len(trace) + 1
    order = dot_ids_in_order(loss, trace.nodes(), model)
    assert [highlighted(f.source) for f in frames[:-1]] == [[dot_id] for dot_id in order]
    assert highlighted(frames[-1].source) == []
    assert "gradient of each leaf" in frames[-1].source and "layers.0.weight" in frames[-1].source


def test_planted_wrong_order_in_frames_is_caught():
    loss, _ = diamond()
    trace = viz.trace_backward(loss)
    swapped = BackwardTrace([trace.steps[0], trace.steps[1], trace.steps[3], trace.steps[2], trace.steps[4]],
                            trace.leaves, trace.leaf_grads, {})  # fmt: skip
    frames = backward_frames(loss, swapped, None)
    order = dot_ids_in_order(loss, trace.nodes())
    assert [highlighted(f.source) for f in frames[:-1]] != [[dot_id] for dot_id in order]


def _svg_geometry(svg: str) -> tuple[tuple[str, str], dict[str, str]]:
    size = re.search(r'<svg width="([^"]+)" height="([^"]+)"', svg).groups()
    shapes = dict(re.findall(r'<title>(\w+)</title>\s*<(?:polygon|ellipse|path)[^>]*?(?:points|cx|d)="([^"]+)"', svg))
    return size, shapes


@needs_dot
def test_svg_frames_same_size_nothing_moves(tmp_path):
    loss, model = lab_loss()
    folder = viz.animate_backward(loss, tmp_path / "frames", params=model, frame_format="svg")
    files = sorted(folder.glob("frame_*.svg"))
    assert len(files) == len(viz.trace_backward(loss)) + 1
    geometry = [_svg_geometry(f.read_text()) for f in files]
    assert all(g == geometry[0] for g in geometry) and len(geometry[0][1]) > 10
    assert not list(folder.glob(".*tmp"))


@needs_dot
def test_gif_has_one_frame_per_node_plus_one(tmp_path):
    from PIL import Image

    loss, _ = diamond()
    path = viz.animate_backward(loss, tmp_path / "backprop.gif")
    with Image.open(path) as gif:
        assert gif.n_frames == 5 + 1
        sizes = set()
        for index in range(gif.n_frames):
            gif.seek(index)
            sizes.add(gif.size)
    assert len(sizes) == 1


def test_animation_errors(tmp_path, monkeypatch):
    loss, _ = diamond()
    with pytest.raises(ValueError, match=r"\.gif, a \.mp4 or a folder"):
        viz.animate_backward(loss, tmp_path / "a.avi")
    with pytest.raises(ValueError, match="max_frames=3"):
        viz.animate_backward(loss, tmp_path / "a.gif", max_frames=3)
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a: None if name == "ffmpeg" else real_which(name, *a))
    with pytest.raises(RuntimeError, match="needs the ffmpeg program"):
        viz.animate_backward(loss, tmp_path / "a.mp4")
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    with pytest.raises(viz.GraphvizNotFoundError, match="apt-get install graphviz"):
        viz.animate_backward(loss, tmp_path / "a.gif")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(shutil.which("ffmpeg") is None or shutil.which("dot") is None, reason="needs ffmpeg and dot")
def test_mp4(tmp_path):
    loss, _ = diamond()
    assert viz.animate_backward(loss, tmp_path / "b.mp4").stat().st_size > 0


# ---------------------------------------------------------------------------- collapse and budget
def drawn_nodes(source: str) -> list[str]:
    found = [m.group(1) for m in re.finditer(r"^\s*(\w+) \[label=", source, re.M)]
    return [name for name in found if not name.startswith("legend_")]


def model_of_10k_ops() -> tuple[ag.Tensor, dict[str, ag.Tensor]]:
    """5,000 layers h = tanh(h @ W + b), parameters named by module path as nn names them (building
    10,000 nn modules is slow in nn.Sequential itself; the drawing sees only the names)."""
    rng = np.random.default_rng(0)
    params, h = {}, ag.Tensor(rng.normal(size=(1, 2)))
    for i in range(5_000):
        weight = params[f"layers.{i}.weight"] = ag.Tensor(rng.normal(size=(2, 2)), requires_grad=True)
        h = (h @ weight).tanh()
    return h.sum(), params


def test_10k_op_model_stays_under_the_budget():
    loss, params = model_of_10k_ops()
    for budget in (300, 40):
        source = viz.draw_graph(loss, params=params, max_nodes=budget).source
        assert 2 <= len(drawn_nodes(source)) <= budget
        assert "15,003 nodes drawn as" in source and f"max_nodes={budget}" in source  # the note in the legend
    # the planted bug, no budget: the same checker sees every node
    assert len(drawn_nodes(viz.draw_graph(loss, params=params, max_nodes=None, tooltips=False).source)) == 15_003


def test_raw_chain_collapses_into_a_run_and_keeps_its_input():
    x = ag.Tensor(np.ones(3), requires_grad=True, name="x")
    h = x
    for _ in range(10_000):
        h = h.tanh()
    source = viz.draw_graph(h.sum()).source
    assert 'label="Tanh×10000"' in source and 'label="x\\n' in source
    assert len(drawn_nodes(source)) <= 5


def test_collapse_true_depth_and_expand():
    loss, model = lab_loss()
    boxes = drawn_nodes(viz.draw_graph(loss, params=model, collapse=True).source)
    source = viz.draw_graph(loss, params=model, collapse=True).source
    assert sum(b.startswith("box") for b in boxes) == 3 and "layers.0.weight" not in source.split("tooltip")[0]
    assert "Linear" not in re.findall(r"^\s*op\d+ \[label=(\w+)", source, re.M)
    depth_one = viz.draw_graph(loss, params=model, collapse=1).source
    assert 'label="layers\\nLinear×3' in depth_one
    expanded = viz.draw_graph(loss, params=model, collapse={"layers.2"}).source
    assert 'label="layers.2.weight' in expanded
    assert 'label="layers.0\\n' in expanded and 'label="layers.4\\n' in expanded
    assert 'label="layers.0.weight' not in expanded  # inside its box, named in the box's tooltip only
    plain = viz.draw_graph(loss, params=model).source
    assert "box3d" not in plain and "max_nodes" not in plain  # small graphs are drawn in full, no note


@pytest.mark.parametrize(
    ("collapse", "max_nodes", "error"),
    [(0, 300, ValueError), ("layers", 300, TypeError), (None, 1, ValueError), (None, 2.5, ValueError)],
)
def test_bad_collapse_arguments(collapse, max_nodes, error):
    loss, _ = diamond()
    with pytest.raises(error, match="draw_graph"):
        viz.draw_graph(loss, collapse=collapse, max_nodes=max_nodes)


# ---------------------------------------------------------------------------- tooltips
def test_every_node_has_a_tooltip_with_statistics():
    with ag.detect_anomaly():
        loss, model = lab_loss()
    loss.backward(retain_graph=True)
    source = viz.draw_graph(loss, params=model).source
    nodes = drawn_nodes(source)
    tips = dict(re.findall(r'^\s*(\w+) \[label=.*?tooltip="((?:[^"\\]|\\.)*)"', source, re.M))
    assert set(nodes) == set(tips)
    weight = next(t for t in tips.values() if t.startswith("parameter layers.0.weight"))
    w, g = model.layers[0].weight.data, model.layers[0].weight.grad.data
    assert "shape (4, 2)  dtype float64" in weight
    assert f"value: min {w.min():.4g}  max {w.max():.4g}  mean {w.mean():.4g}  norm {np.linalg.norm(w):.4g}" in weight
    assert f"grad: min {g.min():.4g}" in weight
    op_tips = [t for t in tips.values() if t.startswith("op ")]
    assert op_tips and all("test_viz_animate.py" in t and "output: (" in t for t in op_tips)
    # the planted bug: without tooltips the same check fails
    assert not re.findall(r"tooltip=", viz.draw_graph(loss, params=model, tooltips=False).source)


@needs_dot
def test_tooltips_reach_the_svg(tmp_path):
    loss, model = lab_loss()
    svg = viz.save_graph(loss, tmp_path / "g.svg", params=model).read_text()
    titles = re.findall(r'<g id="a_node\d+"><a xlink:title="([^"]*)"', svg)
    assert len(titles) >= 10 and any(t.startswith("op Linear") for t in titles)
