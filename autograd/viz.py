"""Drawing the computational graph with Graphviz: `draw_graph` and `save_graph`.

The graph is read from the engine's own records (`grad_fn`, `next_functions`, `inputs`),
walked iteratively, so a 100,000-op chain draws. Ops are compact boxes; parameters,
constants and intermediate tensors differ by shape and colour; nn parameters carry their
module path (`layers.0.weight`) and are grouped, with the ops that use them, into one
labelled cluster per module. Graphviz is imported only when drawing.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd.tensor import Tensor
from autograd.viz_text import (
    EXPLODING_GRAD,
    VANISHING_GRAD,
    argument_names,
    clip,
    grad_line,
    output_label,
    shape_text,
    short_repr,
    value_lines,
)

if TYPE_CHECKING:
    import graphviz

__all__ = ["draw_graph", "save_graph", "GraphvizNotFoundError", "VANISHING_GRAD", "EXPLODING_GRAD"]

_RANKDIRS = ("TB", "LR", "BT", "RL")
_RENDER_FORMATS = ("svg", "png", "pdf")
_DOT_FORMATS = ("dot", "gv")

# Node kinds, told apart by shape and colour; the legend shows the ones in the picture.
_STYLES: dict[str, dict[str, str]] = {
    "parameter": {"shape": "ellipse", "style": "filled", "fillcolor": "#d0e4ff", "color": "#1c5bb8"},
    "constant": {"shape": "note", "style": "filled", "fillcolor": "#fff3bf", "color": "#b08900"},
    "intermediate": {"shape": "ellipse", "style": "filled,dashed", "fillcolor": "#f1f3f5", "color": "#495057"},
    "output": {"shape": "ellipse", "style": "filled", "fillcolor": "#d3f9d8", "color": "#2b8a3e", "peripheries": "2"},
    "op": {
        "shape": "box",
        "style": "filled,rounded",
        "fillcolor": "#e9ecef",
        "color": "#868e96",
        "height": "0.3",
        "margin": "0.1,0.04",
    },
}
_FONT = {"fontname": "Helvetica", "fontsize": "10"}
# ordering=in keeps an op's inputs left to right in argument order (the data left, W and b right).
_GRAPH_ATTR = {**_FONT, "nodesep": "0.3", "ranksep": "0.35", "ordering": "in"}
_NODE_ATTR = {**_FONT, **_STYLES["op"]}  # ops are most nodes: their style is the default
_EDGE_ATTR = {"fontname": "Helvetica", "fontsize": "8", "fontcolor": "#495057", "color": "#495057", "arrowsize": "0.6"}
_GRAD_STYLES: dict[str, dict[str, str]] = {
    "vanishing": {"fillcolor": "#ffd8a8", "color": "#e8590c", "penwidth": "2.5"},
    "exploding": {"fillcolor": "#ffc9c9", "color": "#c92a2a", "penwidth": "2.5"},
}
_LEGEND = {
    "parameter": "parameter\n(leaf, requires grad)",
    "constant": "constant\n(no grad)",
    "intermediate": "named intermediate",
    "output": "output",
    "op": "op",
    "vanishing": f"vanishing grad\n|grad| < {VANISHING_GRAD:g}",
    "exploding": f"exploding grad\n|grad| > {EXPLODING_GRAD:g}\nor not finite",
}


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
) -> graphviz.Digraph:
    """The graph that produced `root` (a Tensor or several) as a `graphviz.Digraph`.

    Edges follow the data (inputs -> op -> output) and carry shapes. `show_values` prints
    small arrays and summarises large ones; `show_grads` adds each tensor's gradient norm
    and marks vanishing (< VANISHING_GRAD) and exploding (> EXPLODING_GRAD) ones. `params`
    (a name -> Tensor mapping, or a module with `named_parameters()`) names parameters whose
    `.name` is unset; `clusters` groups each module's parameters and ops in a box.
    After a backward without `retain_graph` only the structure is left: constants and the
    shapes of intermediate results are then unknown and not drawn.
    """
    import graphviz

    roots = [root] if isinstance(root, Tensor) else list(root)
    if not roots or not all(isinstance(r, Tensor) for r in roots):
        raise TypeError(f"draw_graph: root must be a Tensor or a sequence of Tensors, got {type(root).__name__}")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
    builder = _GraphBuilder(show_values, show_grads, _names_of(params))
    builder.walk(roots)
    return builder.to_digraph(graphviz, rankdir, clusters, legend)


def save_graph(root: Tensor | Sequence[Tensor], path: str | os.PathLike[str], **kw: Any) -> Path:
    """Draw the graph of `root` into `path`; the format follows the extension.

    `.dot`/`.gv` write the DOT source and always work; `.svg`, `.png` and `.pdf` need the
    Graphviz `dot` program. The file appears complete or not at all. `kw` goes to `draw_graph`.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in _DOT_FORMATS + _RENDER_FORMATS:
        supported = ", ".join("." + f for f in _DOT_FORMATS + _RENDER_FORMATS)
        raise ValueError(f"save_graph: cannot tell the format of {str(path)!r}; use one of the extensions {supported}")
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


class _GraphBuilder:
    """Collects the nodes and edges of the graph, then writes them into a Digraph."""

    def __init__(self, show_values: bool, show_grads: bool, names: dict[int, str]) -> None:
        self.show_values = show_values
        self.show_grads = show_grads
        self.names = names
        # key (id of the node / tensor / array) -> [dot id, kind, label lines, extra attrs, module path]
        self.nodes: dict[int, list[Any]] = {}
        self.keep: list[Any] = []  # the objects behind the keys, so no id is reused meanwhile
        self.edges: list[tuple[str, str, str]] = []
        self.op_producers: dict[str, list[str]] = {}  # op dot id -> dot ids of the ops feeding it
        self.tensor_count = 0

    # ------------------------------------------------------------------ walking
    def walk(self, roots: list[Tensor]) -> None:
        for node in _ops_in_data_order([r.grad_fn for r in roots if r.grad_fn is not None]):
            self._add_op(node)
        for root in roots:
            if root.grad_fn is None:
                self._tensor_node(root, "parameter" if root.requires_grad else "constant")
                continue
            existing = id(root) in self.nodes
            out = self._tensor_node(root, "output")
            if not existing:
                self.edges.append((self.nodes[id(root.grad_fn)][0], out, shape_text(root.shape)))

    def _add_op(self, node: Any) -> None:
        """The op's input nodes and edges, then the op itself (producers are already drawn)."""
        op_id = f"op{len(self.op_producers)}"
        self.op_producers[op_id] = producers = []
        inputs = node.inputs
        names = argument_names(type(node))
        settings = []
        for position, edge in enumerate(node.next_functions):
            arg = inputs[position] if inputs is not None and position < len(inputs) else None
            if edge is None:
                if isinstance(arg, Tensor) or (isinstance(arg, np.ndarray) and arg.ndim > 0):
                    source = self._tensor_node(arg, "constant")
                    self.edges.append((source, op_id, shape_text(arg.shape)))
                elif inputs is not None and arg is not None and arg is not False:
                    name = names[position] if position < len(names) else f"arg{position}"
                    settings.append(f"{name}={short_repr(arg)}")
                continue
            producer, output_nr = edge
            if output_nr is None:  # a leaf that requires grad
                source = self._tensor_node(producer, "parameter")
                self.edges.append((source, op_id, shape_text(producer.shape)))
                continue
            producer_id = self.nodes[id(producer)][0]
            producers.append(producer_id)
            label = output_label(producer, output_nr, arg)
            if isinstance(arg, Tensor) and arg.name is not None and arg.grad_fn is producer:
                existing = id(arg) in self.nodes
                named = self._tensor_node(arg, "intermediate")
                if not existing:
                    self.edges.append((producer_id, named, label))
                self.edges.append((named, op_id, label))
            else:
                self.edges.append((producer_id, op_id, label))
        lines = [type(node).__name__]
        if settings:
            lines.append(clip(", ".join(settings), 32))
        if self.show_values and node._outputs is not None:
            outputs = node._outputs if type(node._outputs) is tuple else (node._outputs,)
            for output in outputs:
                lines.extend(value_lines(output))
        self.keep.append(node)
        self.nodes[id(node)] = [op_id, "op", lines, {}, None]

    def _tensor_node(self, tensor: Any, kind: str) -> str:
        """The node of a tensor (or a constant ndarray), made on first sight."""
        entry = self.nodes.get(id(tensor))
        if entry is not None:
            return entry[0]
        dot_id = f"t{self.tensor_count}"
        self.tensor_count += 1
        name = self.names.get(id(tensor)) or getattr(tensor, "name", None)
        lines = [] if name is None and kind != "output" else [name or "output"]
        lines.append(f"{shape_text(tensor.shape)} {tensor.dtype}")
        data = tensor.data if isinstance(tensor, Tensor) else tensor
        if self.show_values:
            lines.extend(value_lines(data))
        attrs: dict[str, str] = {}
        if self.show_grads and isinstance(tensor, Tensor) and kind != "constant":
            line, mark = grad_line(tensor.grad)
            if tensor.grad is not None or kind == "parameter":  # a parameter without grad is news
                lines.append(line)
            if mark is not None:
                attrs = _GRAD_STYLES[mark]
        module = (name.rpartition(".")[0] or None) if name is not None and kind != "output" else None
        self.keep.append(tensor)
        self.nodes[id(tensor)] = [dot_id, kind, lines, attrs, module]
        return dot_id

    # ------------------------------------------------------------------ writing
    def to_digraph(self, graphviz: Any, rankdir: str, clusters: bool, legend: bool) -> graphviz.Digraph:
        graph = graphviz.Digraph(
            name="npgrad", graph_attr={**_GRAPH_ATTR, "rankdir": rankdir}, node_attr=_NODE_ATTR, edge_attr=_EDGE_ATTR
        )
        module_of = self._modules() if clusters else {}
        grouped: dict[str, list[list[Any]]] = {}
        for entry in self.nodes.values():
            module = module_of.get(entry[0])
            if module is None:
                _emit(graph, graphviz, entry)
            else:
                grouped.setdefault(module, []).append(entry)
        for index, (module, entries) in enumerate(grouped.items()):
            with graph.subgraph(name=f"cluster_{index}") as cluster:
                cluster.attr(label=graphviz.escape(module), style="rounded,dashed", color="#adb5bd",
                             fontcolor="#495057", labeljust="l")  # fmt: skip
                for entry in entries:
                    _emit(cluster, graphviz, entry)
        depth: dict[str, int] = {}  # longest path to a node from the first nodes of its cluster
        for source, target, _ in self.edges:
            module = module_of.get(target)
            if module is not None and module_of.get(source) == module:
                depth[target] = max(depth.get(target, 0), depth.get(source, 0) + 1)
        for source, target, label in self.edges:
            # An edge entering a cluster is as long as the cluster is deep above its target, so
            # the clusters of successive layers stack instead of drifting sideways.
            module = module_of.get(target)
            entering = module is not None and module_of.get(source) != module and depth.get(target, 0) > 1
            # Heavy edges between ops fed by other ops keep the main data path straight; an op fed
            # only by tensors (W.T) is a side branch.
            weight = "4" if self.op_producers.get(source) and target in self.op_producers else None
            minlen = str(depth[target]) if entering else None
            # xlabel: shapes placed after layout, so they do not push the nodes apart.
            graph.edge(source, target, xlabel=label or None, minlen=minlen, weight=weight)
        if legend:
            self._legend(graph, graphviz)
        return graph

    def _modules(self) -> dict[str, str]:
        """dot id -> module: tensors by their dotted name; ops that use a module's tensor
        directly, and ops sandwiched between two ops of one module (the MatMul between W.T
        and + b)."""
        direct = {}
        tensor_module = {e[0]: e[4] for e in self.nodes.values() if e[1] != "op" and e[4] is not None}
        for source, target, _ in self.edges:
            if source in tensor_module and target in self.op_producers and target not in direct:
                direct[target] = tensor_module[source]
        consumers: dict[str, list[str]] = {}
        for op_id, producers in self.op_producers.items():
            for producer in producers:
                consumers.setdefault(producer, []).append(op_id)
        modules = {**tensor_module, **direct}
        for op_id, producers in self.op_producers.items():
            if op_id in direct:
                continue
            above = {direct[p] for p in producers if p in direct}
            below = [direct[c] for c in consumers.get(op_id, ()) if c in direct]
            module = next((m for m in below if m in above), None)
            if module is not None:
                modules[op_id] = module
        return modules

    def _legend(self, graph: Any, graphviz: Any) -> None:
        kinds = [kind for kind in _STYLES if any(e[1] == kind for e in self.nodes.values())]
        if self.show_grads:
            kinds += ["vanishing", "exploding"]
        with graph.subgraph(name="cluster_legend") as box:
            box.attr(label="Legend", style="rounded", color="#ced4da", fontcolor="#495057", labeljust="l")
            previous = None
            for kind in kinds:
                attrs = dict(_STYLES.get(kind) or {**_STYLES["parameter"], **_GRAD_STYLES[kind]})
                name = f"legend_{kind}"
                box.node(name, label=_label(graphviz, [_LEGEND[kind]]), fontsize="9", **attrs)
                if previous is not None:
                    box.edge(previous, name, style="invis")
                previous = name


def _emit(graph: Any, graphviz: Any, entry: list[Any]) -> None:
    dot_id, kind, lines, attrs, _ = entry
    style = attrs if kind == "op" else {**_STYLES[kind], **attrs}
    graph.node(dot_id, label=_label(graphviz, lines), **style)


def _label(graphviz: Any, lines: list[str]) -> str:
    """A plain (never HTML) label: each line escaped by graphviz, joined by DOT line breaks."""
    parts = [graphviz.escape(part) for line in lines for part in str(line).splitlines() or [""]]
    return graphviz.nohtml("\\n".join(parts))


def _ops_in_data_order(root_nodes: list[Any]) -> list[Any]:
    """Every op reachable from the roots, producers before consumers (iterative post-order)."""
    order: list[Any] = []
    seen: set[int] = set()
    for root in root_nodes:
        if id(root) in seen:
            continue
        seen.add(id(root))
        stack = [(root, 0)]
        while stack:
            node, position = stack[-1]
            edges = node.next_functions
            while position < len(edges):
                edge = edges[position]
                position += 1
                if edge is not None and edge[1] is not None and id(edge[0]) not in seen:
                    seen.add(id(edge[0]))
                    stack[-1] = (node, position)
                    stack.append((edge[0], 0))
                    break
            else:
                stack.pop()
                order.append(node)
    return order
