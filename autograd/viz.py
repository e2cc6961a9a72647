"""Drawing the computational graph with Graphviz: `draw_graph` and `save_graph`.

The graph is read from the engine's own records (`grad_fn`, `next_functions`, `inputs`),
walked iteratively, so a 100,000-op chain draws. Ops are compact boxes; parameters,
constants and intermediate tensors differ by shape and colour; nn parameters carry their
module path (`layers.0.weight`) and are grouped, with the ops that use them, into one
labelled cluster per module. Graphviz is imported only when drawing.

Big graphs collapse (modules, then chains of ops) past a node budget (viz_collapse); every
node has a tooltip in SVG. `trace_backward` (viz_trace) lists the nodes in the order the engine
runs them, and `animate_backward` (viz_animate) draws that order frame by frame.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd.tensor import Tensor
from autograd.viz_collapse import check_collapse
from autograd.viz_graph import GraphBuilder
from autograd.viz_text import EXPLODING_GRAD, VANISHING_GRAD

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "draw_graph", "save_graph", "GraphvizNotFoundError", "VANISHING_GRAD", "EXPLODING_GRAD",
    "trace_backward", "BackwardTrace", "animate_backward",
]  # fmt: skip
MAX_NODES = 300  # the default node budget: past it, draw_graph collapses modules and chains of ops

_RANKDIRS = ("TB", "LR", "BT", "RL")
_RENDER_FORMATS = ("svg", "png", "pdf")
_DOT_FORMATS = ("dot", "gv")


class GraphvizNotFoundError(RuntimeError):
    """The Graphviz `dot` program, needed to render images, is not installed."""


def draw_graph(
    root: Tensor | Sequence[Tensor],
    show_values: bool = False,
    show_grads: bool = False,
    rankdir: str = "TB",
    *,
    params: Mapping[str, Tensor] | Any = None,
    clusters: bool = True,
    legend: bool = True,
    collapse: bool | int | Iterable[str] | None = None,
    max_nodes: int | None = MAX_NODES,
    tooltips: bool = True,
) -> graphviz.Digraph:
    """The graph that produced `root` (a Tensor or several) as a `graphviz.Digraph`.

    Edges follow the data (inputs -> op -> output) and carry shapes. `show_values` prints
    small arrays and summarises large ones; `show_grads` adds each tensor's gradient norm
    and marks vanishing (< VANISHING_GRAD) and exploding (> EXPLODING_GRAD) ones. `params`
    (a name -> Tensor mapping, or a module with `named_parameters()`) names parameters whose
    `.name` is unset; `clusters` groups each module's parameters and ops in a box.
    After a backward without `retain_graph` only the structure is left: constants and the
    shapes of intermediate results are then unknown and not drawn.

    `collapse=True` draws each module as one box with its inputs and outputs; an int collapses
    the modules at that depth (1: `layers`, 2: `layers.0`); a set of module names draws those in
    full and collapses the rest. Past `max_nodes` nodes (None: no budget) the drawing collapses
    modules, then chains of ops ("Tanh×1000"), and says so in the legend. In SVG output every
    node has a tooltip (`tooltips`): op and creation site (under `ag.detect_anomaly()`), shapes,
    dtype, and min / max / mean / norm of the values and gradients.
    """
    import graphviz

    check_collapse(collapse, max_nodes)
    builder = build_graph(root, show_values, show_grads, params, rankdir)
    return builder.to_digraph(graphviz, rankdir, clusters, legend, collapse, max_nodes, tooltips)


def build_graph(root: Any, show_values: bool, show_grads: bool, params: Any, rankdir: str) -> GraphBuilder:
    """The nodes and edges of the graph of `root`, before they are written as DOT."""
    roots = [root] if isinstance(root, Tensor) else list(root)
    if not roots or not all(isinstance(r, Tensor) for r in roots):
        raise TypeError(
            f"draw_graph: root must be a Tensor or a sequence of Tensors, got {type(root).__name__}"
        )
    if rankdir not in _RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
    builder = GraphBuilder(show_values, show_grads, _names_of(params))
    builder.walk(roots)
    return builder


def save_graph(root: Tensor | Sequence[Tensor], path: str | os.PathLike[str], **kw: Any) -> Path:
    """Draw the graph of `root` into `path`; the format follows the extension.

    `.dot`/`.gv` write the DOT source and always work; `.svg`, `.png` and `.pdf` need the
    Graphviz `dot` program. The file appears complete or not at all. `kw` goes to `draw_graph`.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in _DOT_FORMATS + _RENDER_FORMATS:
        supported = ", ".join("." + f for f in _DOT_FORMATS + _RENDER_FORMATS)
        raise ValueError(
            f"save_graph: cannot tell the format of {str(path)!r}; use one of the extensions {supported}"
        )
    if fmt in _RENDER_FORMATS and shutil.which("dot") is None:
        raise _dot_missing(path)
    graph = draw_graph(root, **kw)
    if fmt in _DOT_FORMATS:
        content = graph.source.encode("utf-8")
    else:
        import graphviz

        try:
            content = graph.pipe(format=fmt)
        except graphviz.ExecutableNotFound as error:
            raise _dot_missing(path) from error
    _write_atomically(path, content)
    return path


def _dot_missing(path: Path) -> GraphvizNotFoundError:
    return GraphvizNotFoundError(
        f"save_graph: rendering {path.name!r} needs the Graphviz 'dot' program, which is not on the PATH. "
        "Install Graphviz (Debian/Ubuntu: 'apt-get install graphviz'; macOS: 'brew install graphviz'; "
        "conda: 'conda install -c conda-forge graphviz'), or save to a '.dot' file, which needs no program."
    )


def _write_atomically(path: Path, content: bytes) -> None:
    """Write to a temporary file next to `path`, then move it into place in one step."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(temporary, "xb") as file:  # "x": never an existing file; mode follows the umask
            file.write(content)
        os.replace(temporary, path)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno is not None:  # name the target, not the temporary file
            raise type(error)(error.errno, f"save_graph: {error.strerror}", str(path)) from None
        raise


def _names_of(params: Any) -> dict[int, str]:
    """id(tensor) -> name, from a name -> Tensor mapping or a module's `named_parameters()`."""
    if params is None:
        return {}
    items = params.named_parameters() if hasattr(params, "named_parameters") else params.items()
    return {id(tensor): str(name) for name, tensor in items}


# At the end: these modules call back into this one (build_graph, the atomic write) when run.
from autograd.viz_animate import animate_backward  # noqa: E402
from autograd.viz_trace import BackwardTrace, trace_backward  # noqa: E402
