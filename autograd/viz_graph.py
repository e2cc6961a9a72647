"""The drawing's model: `GraphBuilder` walks the graph (iteratively, so a 100,000-op chain
draws), gives each op, parameter, constant and named tensor a node with its label and module
path, and writes the nodes and edges into a `graphviz.Digraph` with clusters, legend and
tooltips; `viz.draw_graph` and the animation frames both draw through it."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.tensor import Tensor
from autograd.viz_collapse import COLLAPSED_STYLE, collapse_graph
from autograd.viz_text import (
    EXPLODING_GRAD,
    VANISHING_GRAD,
    argument_names,
    clip,
    grad_line,
    output_label,
    shape_text,
    short_repr,
    tooltip_lines,
    value_lines,
)

# Node kinds, told apart by shape and colour; the legend shows the ones in the picture.
_STYLES: dict[str, dict[str, str]] = {
    "parameter": {"shape": "ellipse", "style": "filled", "fillcolor": "#d0e4ff", "color": "#1c5bb8"},
    "constant": {"shape": "note", "style": "filled", "fillcolor": "#fff3bf", "color": "#b08900"},
    "intermediate": {
        "shape": "ellipse",
        "style": "filled,dashed",
        "fillcolor": "#f1f3f5",
        "color": "#495057",
    },
    "output": {
        "shape": "ellipse",
        "style": "filled",
        "fillcolor": "#d3f9d8",
        "color": "#2b8a3e",
        "peripheries": "2",
    },
    "op": {
        "shape": "box",
        "style": "filled,rounded",
        "fillcolor": "#e9ecef",
        "color": "#868e96",
        "height": "0.3",
        "margin": "0.1,0.04",
    },
    "collapsed": COLLAPSED_STYLE,
}
_FONT = {"fontname": "Helvetica", "fontsize": "10"}
# ordering=in keeps an op's inputs left to right in argument order (the data left, W and b right).
_GRAPH_ATTR = {**_FONT, "nodesep": "0.3", "ranksep": "0.35", "ordering": "in"}
_NODE_ATTR = {**_FONT, **_STYLES["op"]}  # ops are most nodes: their style is the default
_EDGE_ATTR = {
    "fontname": "Helvetica",
    "fontsize": "8",
    "fontcolor": "#495057",
    "color": "#495057",
    "arrowsize": "0.6",
}
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
    "collapsed": "collapsed module\nor chain of ops",
    "vanishing": f"vanishing grad\n|grad| < {VANISHING_GRAD:g}",
    "exploding": f"exploding grad\n|grad| > {EXPLODING_GRAD:g}\nor not finite",
}


class GraphBuilder:
    """Collects the nodes and edges of the graph, then writes them into a Digraph."""

    def __init__(self, show_values: bool, show_grads: bool, names: dict[int, str]) -> None:
        self.show_values = show_values
        self.show_grads = show_grads
        self.names = names
        # key (id of the node / tensor / array)
        #   -> [dot id, kind, label lines, extra attrs, module path, object]
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
        self.nodes[id(node)] = [op_id, "op", lines, {}, None, node]

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
        self.nodes[id(tensor)] = [dot_id, kind, lines, attrs, module, tensor]
        return dot_id

    # ------------------------------------------------------------------ writing
    def to_digraph(
        self,
        graphviz: Any,
        rankdir: str,
        clusters: bool,
        legend: bool,
        collapse: Any = None,
        max_nodes: int | None = None,
        tooltips: bool = True,
        frame: Any = None,
    ) -> Any:
        """The Digraph; `frame` (an animation frame) restyles nodes and edges and adds to the legend."""
        graph = graphviz.Digraph(
            name="npgrad",
            graph_attr={**_GRAPH_ATTR, "rankdir": rankdir},
            node_attr=_NODE_ATTR,
            edge_attr=_EDGE_ATTR,
        )
        modules = self._modules()
        drawn = collapse_graph(list(self.nodes.values()), self.edges, modules, collapse, max_nodes)
        module_of = drawn.module_of if clusters else {}
        node_style = frame.nodes if frame is not None else {}
        grouped: dict[str, list[list[Any]]] = {}
        for entry in drawn.entries:
            module = module_of.get(entry[0])
            if module is None:
                _emit(graph, graphviz, entry, tooltips, node_style.get(entry[0]))
            else:
                grouped.setdefault(module, []).append(entry)
        for index, (module, entries) in enumerate(grouped.items()):
            with graph.subgraph(name=f"cluster_{index}") as cluster:
                cluster.attr(label=graphviz.escape(module), style="rounded,dashed", color="#adb5bd",
                             fontcolor="#495057", labeljust="l")  # fmt: skip
                for entry in entries:
                    _emit(cluster, graphviz, entry, tooltips, node_style.get(entry[0]))
        depth: dict[str, int] = {}  # longest path to a node from the first nodes of its cluster
        for source, target, _ in drawn.edges:
            module = module_of.get(target)
            if module is not None and module_of.get(source) == module:
                depth[target] = max(depth.get(target, 0), depth.get(source, 0) + 1)
        edge_style = frame.edges if frame is not None else {}
        for source, target, label in drawn.edges:
            # An edge entering a cluster is as long as the cluster is deep above its target, so
            # the clusters of successive layers stack instead of drifting sideways.
            module = module_of.get(target)
            entering = module is not None and module_of.get(source) != module and depth.get(target, 0) > 1
            # Heavy edges between ops fed by other ops keep the main data path straight; an op fed
            # only by tensors (W.T) is a side branch.
            weight = "4" if self.op_producers.get(source) and target in self.op_producers else None
            minlen = str(depth[target]) if entering else None
            # xlabel: shapes placed after layout, so they do not push the nodes apart.
            graph.edge(source, target, xlabel=label or None, minlen=minlen, weight=weight,
                       **edge_style.get((source, target), {}))  # fmt: skip
        if legend:
            self._legend(graph, graphviz, drawn.entries, drawn.note, frame)
        elif frame is not None:
            frame.add_to(graph)
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

    def _legend(
        self, graph: Any, graphviz: Any, entries: list[list[Any]], note: str | None, frame: Any
    ) -> None:
        present = {e[1] for e in entries}
        kinds = [kind for kind in _STYLES if kind in present]
        if self.show_grads:
            kinds += ["vanishing", "exploding"]
        items = [(kind, dict(_STYLES.get(kind) or {**_STYLES["parameter"], **_GRAD_STYLES[kind]}),
                  _LEGEND[kind])
                 for kind in kinds]  # fmt: skip
        items += frame.legend if frame is not None else []
        if note is not None:
            items.append(("note", {"shape": "plaintext", "style": "", "fontcolor": "#5f3dc4"}, note))
        with graph.subgraph(name="cluster_legend") as box:
            box.attr(label="Legend", style="rounded", color="#ced4da", fontcolor="#495057", labeljust="l")
            previous = frame.add_to(box) if frame is not None else None
            for kind, attrs, text in items:
                name = f"legend_{kind}"
                box.node(name, label=_label(graphviz, [text]), fontsize="9", **attrs)
                if previous is not None:
                    box.edge(previous, name, style="invis")
                previous = name


def _emit(
    graph: Any, graphviz: Any, entry: list[Any], tooltips: bool, frame_style: dict[str, str] | None
) -> None:
    dot_id, kind, lines, attrs, _, item = entry
    style = dict(attrs) if kind == "op" else {**_STYLES[kind], **attrs}
    tooltip = style.pop("tooltip", None)
    if tooltips:
        style["tooltip"] = _label(graphviz, tooltip or tooltip_lines(kind, lines, item))
    graph.node(dot_id, label=_label(graphviz, lines), **{**style, **(frame_style or {})})


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
