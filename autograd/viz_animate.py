"""`animate_backward`: the backward pass drawn one node at a time, as a GIF, an MP4 or a folder
of numbered `.png`/`.svg` frames.

Frame k is `draw_graph`'s picture (same labels, clusters, legend) with the k-th node the
engine ran highlighted, the nodes already run in one style and those still waiting in another,
and a panel with the gradient arriving at the node and those it sends to its inputs; the last
frame lists every leaf's gradient. Frames differ only in colours and in the text of a
fixed-size panel, neither of which moves anything in Graphviz's layout, so nothing jumps.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograd.tensor import Tensor
from autograd.viz_text import shape_text, value_lines
from autograd.viz_trace import BackwardTrace, trace_backward

RUNNING = {
    "fillcolor": "#ffe066",
    "color": "#e03131",
    "penwidth": "3",
    "style": "filled,rounded",
    "fontcolor": "black",
}
DONE = {"fillcolor": "#b2f2bb", "color": "#2b8a3e", "style": "filled,rounded"}
WAITING = {
    "fillcolor": "#ffffff",
    "color": "#adb5bd",
    "fontcolor": "#868e96",
    "style": "filled,rounded,dashed",
}
_LEAF_DONE = {"color": "#2b8a3e", "penwidth": "2.5"}
_SENT = {"color": "#e03131", "penwidth": "2.2", "fontcolor": "#e03131"}
_ARRIVED = {"color": "#f08c00", "penwidth": "2.2"}
_PANEL = {"shape": "box", "style": "filled", "fillcolor": "#fff9db", "color": "#f08c00",
          "fontname": "Courier", "fontsize": "9", "fixedsize": "true"}  # fmt: skip
_LEGEND = [
    ("running", RUNNING, "running now\n(red edges: grads sent)"),
    ("done", DONE, "backward done"),
    ("waiting", WAITING, "waiting"),
]
_FRAME_FORMATS = ("png", "svg")


@dataclass
class Frame:
    """How one frame differs from the plain drawing: node and edge styles, and the panel text."""

    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    panel: list[str] = field(default_factory=list)
    panel_size: tuple[float, float] = (1.0, 1.0)
    legend: list[tuple[str, dict[str, str], str]] = field(default_factory=lambda: list(_LEGEND))

    def add_to(self, graph: Any) -> str:
        import graphviz

        text = "\\l".join(graphviz.escape(line) for line in self.panel) + "\\l"
        width, height = self.panel_size
        graph.node(
            "panel", label=graphviz.nohtml(text), width=f"{width:.2f}", height=f"{height:.2f}", **_PANEL
        )
        return "panel"


def animate_backward(
    root: Tensor,
    path: str | os.PathLike[str],
    grad: Any = None,
    *,
    params: Mapping[str, Tensor] | Any = None,
    rankdir: str = "TB",
    clusters: bool = True,
    frame_format: str = "png",
    interval_ms: int = 900,
    dpi: int = 72,
    max_frames: int = 200,
) -> Path:
    """Draw the backward pass of `root` one node at a time into `path`.

    `.gif` (Pillow, which comes with matplotlib), `.mp4` (needs ffmpeg) or a folder (no
    extension, or an existing directory) of `frame_000.png`... (`frame_format="svg"` for SVG).
    There is one frame per node the engine runs, in its order (see `trace_backward`), and a
    last one with every leaf's gradient. `.grad` attributes are left alone; the graph must not
    have been freed by an earlier backward; `grad` seeds a root with more than one element, as in
    `backward(grad)`. Each file appears complete or not at all.
    """
    from autograd import viz

    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if path.is_dir() or not kind:
        kind = "folder"
    if kind not in ("gif", "mp4", "folder"):
        raise ValueError(f"animate_backward: write a .gif, a .mp4 or a folder of frames, not {str(path)!r}")
    if frame_format not in _FRAME_FORMATS:
        raise ValueError(f"animate_backward: frame_format must be 'png' or 'svg', got {frame_format!r}")
    if shutil.which("dot") is None:
        raise viz.GraphvizNotFoundError(
            f"animate_backward: drawing {path.name!r} needs the Graphviz 'dot' program, which is not on the "
            "PATH. "
            "Install Graphviz (Debian/Ubuntu: 'apt-get install graphviz'; macOS: 'brew install graphviz'), "
            "or print the steps with viz.trace_backward(loss)."
        )
    if kind == "mp4" and shutil.which("ffmpeg") is None:
        raise RuntimeError(
            f"animate_backward: writing {path.name!r} needs the ffmpeg program; write a .gif instead"
        )
    trace = trace_backward(root, grad, params=params)
    if len(trace) + 1 > max_frames:
        raise ValueError(
            f"animate_backward: the backward pass runs {len(trace)} nodes, more than max_frames={max_frames} "
            "frames; "
            "animate a smaller graph, raise max_frames, or print the steps with viz.trace_backward"
        )
    fmt = frame_format if kind == "folder" else "png"
    images = [
        graph.pipe(format=fmt) for graph in backward_frames(root, trace, params, rankdir, clusters, dpi)
    ]
    if kind == "folder":
        path.mkdir(parents=True, exist_ok=True)
        for index, image in enumerate(images):
            viz._write_atomically(path / f"frame_{index:03d}.{fmt}", image)
    elif kind == "gif":
        viz._write_atomically(path, _gif(images, interval_ms))
    else:
        viz._write_atomically(path, _mp4(images, interval_ms))
    return path


def backward_frames(
    root: Tensor, trace: BackwardTrace, params: Any, rankdir: str = "TB", clusters: bool = True, dpi: int = 72
) -> list[Any]:
    """One `graphviz.Digraph` per step of `trace`, and a last one with every leaf's gradient."""
    import graphviz

    from autograd.viz import build_graph

    builder = build_graph(root, False, False, params, rankdir)
    dot_id = {key: entry[0] for key, entry in builder.nodes.items()}
    kind_of = {entry[0]: entry[1] for entry in builder.nodes.values()}
    modules = builder._modules()
    ops = [entry[0] for entry in builder.nodes.values() if entry[1] == "op"]
    ran = [dot_id[id(node)] for node in trace.nodes()]
    leaf_ids = [dot_id[id(leaf)] for leaf in trace.leaves if id(leaf) in dot_id]
    panels = [_step_panel(trace, k, modules.get(ran[k])) for k in range(len(ran))] + [_leaf_panel(trace)]
    chars = max(len(line) for panel in panels for line in panel)
    lines = max(len(panel) for panel in panels)
    size = ((chars * 5.6 + 16) / 72, (lines * 11.5 + 12) / 72)  # Courier 9 pt: 5.4 pt a character
    frames = []
    for k, panel in enumerate(panels):
        frame = Frame(panel=panel, panel_size=size)
        done = set(ran[:k])
        for op in ops:
            frame.nodes[op] = DONE if op in done else WAITING
        reached = _leaves_reached(trace, k, dot_id)
        for leaf in leaf_ids:
            if leaf in reached:
                frame.nodes[leaf] = _LEAF_DONE
        if k < len(ran):
            frame.nodes[ran[k]] = RUNNING
            for source, target, _ in builder.edges:
                if target == ran[k] and kind_of[source] != "constant":
                    frame.edges[(source, target)] = _SENT
                elif source == ran[k]:
                    frame.edges[(source, target)] = _ARRIVED
        graph = builder.to_digraph(graphviz, rankdir, clusters, True, False, None, True, frame)
        graph.graph_attr["dpi"] = str(dpi)
        frames.append(graph)
    return frames


def _leaves_reached(trace: BackwardTrace, k: int, dot_id: dict[int, str]) -> set[str]:
    """The leaves that have received a gradient from the steps before step k."""
    reached = set()
    for step in trace.steps[:k]:
        for edge, grad in zip(step.node.next_functions, step.grads_out):
            if edge is not None and edge[1] is None and grad is not None and id(edge[0]) in dot_id:
                reached.add(dot_id[id(edge[0])])
    return reached


def _step_panel(trace: BackwardTrace, k: int, module: str | None) -> list[str]:
    step = trace.steps[k]
    where = f"  (in {module})" if module else ""
    lines = [f"backward step {k + 1} of {len(trace)}: {step.name}{where}", "", "gradient arriving:"]
    for grad in step.grads_in:
        lines += _grad_lines(grad, "  ")
    lines += ["", "gradients sent to its inputs:"]
    sent = [(position, grad) for position, grad in enumerate(step.grads_out) if grad is not None]
    for position, grad in sent:
        lines += _grad_lines(grad, f"  {position} -> {trace.target_name(step.node, position)}: ")
    return lines if sent else [*lines, "  none"]


def _leaf_panel(trace: BackwardTrace) -> list[str]:
    lines = [f"backward done: {len(trace)} nodes ran", "", "gradient of each leaf:"]
    for leaf, grad in zip(trace.leaves, trace.leaf_grads):
        name = trace.names.get(id(leaf)) or leaf.name or f"leaf{shape_text(leaf.shape)}"
        lines += _grad_lines(grad, f"  {name}: ") if grad is not None else [f"  {name}: none (unused)"]
    return lines


def _grad_lines(grad: np.ndarray | None, prefix: str) -> list[str]:
    if grad is None:
        return [prefix + "none"]
    norm = float(np.linalg.norm(np.asarray(grad, dtype=np.float64).ravel()))
    indent = " " * min(len(prefix) + 2, 12)
    if grad.size <= 16:  # numpy's own choice of notation: 1e-05 stays visible instead of 0.
        values = np.array2string(grad, precision=3, separator=" ", max_line_width=64).splitlines()
    else:
        values = value_lines(grad)
    return [f"{prefix}{shape_text(grad.shape)} |g| = {norm:.4g}"] + [indent + line for line in values]


def _gif(images: list[bytes], interval_ms: int) -> bytes:
    from PIL import Image

    frames = [Image.open(io.BytesIO(image)).convert("RGB") for image in images]
    sizes = {frame.size for frame in frames}
    if len(sizes) != 1:
        raise RuntimeError(f"animate_backward: the frames came out in different sizes {sorted(sizes)}")
    durations = [interval_ms] * (len(frames) - 1) + [interval_ms * 4]  # linger on the leaves' gradients
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0)
    return buffer.getvalue()


def _mp4(images: list[bytes], interval_ms: int) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        for index, image in enumerate(images):
            Path(folder, f"frame_{index:04d}.png").write_bytes(image)
        output = Path(folder, "out.mp4")
        command = ["ffmpeg", "-loglevel", "error", "-y", "-framerate", f"{1000 / interval_ms:.4g}", "-i",
                   str(Path(folder, "frame_%04d.png")), "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white",
                   "-pix_fmt", "yuv420p", str(output)]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"animate_backward: ffmpeg failed: {result.stderr.strip()[-400:]}")
        return output.read_bytes()
