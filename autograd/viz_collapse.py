"""Keeping big graphs readable: a module drawn as one box with its inputs and outputs
(`collapse=`), and a node budget (`max_nodes`) past which the drawing collapses on its own:
first modules (innermost, then ever shallower), then runs of one op ("Tanh×1000"), then any
chain of ops, and as a last resort only the nodes nearest the output are drawn.

Works on the drawing's own records: entries `[dot id, kind, label lines, attrs, module, object]`
and edges `(source, target, label)`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, NamedTuple

COLLAPSED_STYLE = {"shape": "box3d", "style": "filled", "fillcolor": "#e5dbff", "color": "#5f3dc4"}


class Collapsed(NamedTuple):
    entries: list[list[Any]]
    edges: list[tuple[str, str, str]]
    module_of: dict[str, str]
    note: str | None  # for the legend, when the budget made the drawing collapse


def check_collapse(collapse: Any, max_nodes: Any) -> None:
    """Raise a clear error for a `collapse=` or `max_nodes=` that means nothing."""
    if isinstance(collapse, int) and not isinstance(collapse, bool) and collapse < 1:
        raise ValueError(f"draw_graph: collapse as a depth must be at least 1, got {collapse}")
    if isinstance(collapse, str) or not (
        collapse is None or isinstance(collapse, (bool, int)) or isinstance(collapse, Iterable)
    ):
        raise TypeError(
            "draw_graph: collapse must be True/False, a module depth (int) or a set of module names to "
            "expand, "
            f"got {collapse!r}"
        )
    if max_nodes is not None and (
        isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 2
    ):
        raise ValueError(f"draw_graph: max_nodes must be None or an int >= 2, got {max_nodes!r}")


def collapse_graph(
    entries: list[list[Any]],
    edges: list[tuple[str, str, str]],
    module_of: dict[str, str],
    collapse: Any,
    max_nodes: int | None,
) -> Collapsed:
    """The drawing with modules collapsed as asked, then collapsed further while over budget."""
    groups: dict[str, str] = {}
    if collapse is not None and collapse is not False:
        expand = None if isinstance(collapse, (bool, int)) else {str(name) for name in collapse}
        groups = _module_groups(
            module_of, None if expand is not None or collapse is True else collapse, expand
        )
        _fill_sandwiches(entries, edges, groups)
        _absorb_tensors(entries, edges, groups)
    if max_nodes is None or _count(entries, groups) <= max_nodes:
        return _apply(entries, edges, module_of, groups, "box")
    total = len(entries)
    depths = sorted({m.count(".") + 1 for m in module_of.values()}, reverse=True)
    for depth in depths:  # innermost modules first, then ever shallower
        groups = {**groups, **_module_groups(module_of, depth, None)}
        _fill_sandwiches(entries, edges, groups)
        _absorb_tensors(entries, edges, groups)
        if _count(entries, groups) <= max_nodes:
            break
    result = _apply(entries, edges, module_of, groups, "box")
    for same_kind in (True, False):  # then chains of ops and boxes: first of one kind, then any
        if len(result.entries) <= max_nodes:
            break
        runs = _chain_groups(result.entries, result.edges, result.module_of, same_kind)
        _absorb_tensors(result.entries, result.edges, runs)
        result = _apply(result.entries, result.edges, result.module_of, runs, "run" if same_kind else "chain")
    if len(result.entries) > max_nodes:
        result = _nearest_to_output(result, max_nodes)
    note = (
        f"{total:,} nodes drawn as {len(result.entries):,}\n(max_nodes={max_nodes}; collapsed boxes\n"
        "hold modules or chains of ops)"
    )
    return result._replace(note=note)


def _module_groups(module_of: dict[str, str], depth: int | None, expand: set[str] | None) -> dict[str, str]:
    """dot id -> "module:<path>": every module at `depth` (None: the innermost) is one box;
    with `expand`, the modules named there (and inside them) stay drawn in full."""
    groups = {}
    for dot_id, module in module_of.items():
        parts = module.split(".")
        if expand is not None:
            key = None
            for end in range(1, len(parts) + 1):
                prefix = ".".join(parts[:end])
                if prefix in expand:
                    break
                if not any(name == prefix or name.startswith(prefix + ".") for name in expand):
                    key = prefix
                    break
            if key is None:
                continue
        else:
            key = module if depth is None else ".".join(parts[:depth])
        groups[dot_id] = "module:" + key
    return groups


def _fill_sandwiches(
    entries: list[list[Any]], edges: list[tuple[str, str, str]], groups: dict[str, str]
) -> None:
    """An op outside every module whose producing and consuming ops are all in one module's box
    (the Tanh between layers.0 and layers.1 once both are `layers`) goes into that box."""
    ops = {e[0] for e in entries if e[1] == "op"}
    neighbours: dict[str, set[str]] = {}
    for source, target, _ in edges:
        if source in ops and target in ops:
            neighbours.setdefault(source, set()).add(target)
            neighbours.setdefault(target, set()).add(source)
    for _ in range(3):  # a few ops in a row (Tanh, Dropout) between two ops of a module
        changed = False
        for op in ops - groups.keys():
            around = {groups.get(n) for n in neighbours.get(op, ())}
            if len(around) == 1 and (group := next(iter(around))) is not None and group.startswith("module:"):
                groups[op] = group
                changed = True
        if not changed:
            break


def _absorb_tensors(
    entries: list[list[Any]], edges: list[tuple[str, str, str]], groups: dict[str, str]
) -> None:
    """A tensor (not an output) whose every use is inside one box goes into that box (only
    constants go into a chain of ops)."""
    uses: dict[str, set[str]] = {}
    for source, target, _ in edges:
        uses.setdefault(source, set()).add(groups.get(target, target))
    for entry in entries:
        dot_id = entry[0]
        if entry[1] in ("op", "output") or dot_id in groups:
            continue
        used_by = uses.get(dot_id, set())
        if len(used_by) == 1:
            (group,) = used_by  # a chain of ops takes in its constants; its parameters stay in sight
            if group.startswith("module:") or (group.startswith("run:") and entry[1] == "constant"):
                groups[dot_id] = group


def _chain_groups(
    entries: list[list[Any]], edges: list[tuple[str, str, str]], module_of: dict[str, str], same_kind: bool
) -> dict[str, str]:
    """dot id -> "run:<first>" for chains of ops and boxes, each feeding only the next."""
    name = {
        e[0]: e[2][0] if e[1] == "op" else "+".join(sorted(e[5]))
        for e in entries
        if e[1] in ("op", "collapsed")
    }
    out_degree: Counter[str] = Counter()
    op_inputs: dict[str, list[str]] = {}
    for source, target, _ in edges:
        out_degree[source] += 1
        if source in name and target in name:
            op_inputs.setdefault(target, []).append(source)
    following: dict[str, str] = {}  # a link of a chain: the one consumer of each op
    for dot_id in name:
        inputs = op_inputs.get(dot_id, [])
        if len(inputs) != 1:
            continue
        previous = inputs[0]
        if out_degree[previous] != 1 or module_of.get(previous) != module_of.get(dot_id):
            continue
        if same_kind and name[previous] != name[dot_id]:
            continue
        following[previous] = dot_id
    runs: dict[str, str] = {}
    for head in set(following) - set(following.values()):
        node, group = head, "run:" + head
        while node is not None:
            runs[node] = group
            node = following.get(node)
    return runs


def _count(entries: list[list[Any]], groups: dict[str, str]) -> int:
    return sum(1 for e in entries if e[0] not in groups) + len(set(groups.values()))


def _apply(
    entries: list[list[Any]],
    edges: list[tuple[str, str, str]],
    module_of: dict[str, str],
    groups: dict[str, str],
    prefix: str,
) -> Collapsed:
    """Replace each group by one box (dot ids `<prefix>0`, ...); edges between boxes keep their
    first label."""
    if not groups:
        return Collapsed(entries, edges, module_of, None)
    members: dict[str, list[list[Any]]] = {}
    kept = []
    for entry in entries:
        group = groups.get(entry[0])
        if group is None:
            kept.append(entry)
        else:
            members.setdefault(group, []).append(entry)
    box_id = {group: f"{prefix}{index}" for index, group in enumerate(members)}
    new_module_of = {k: v for k, v in module_of.items() if k not in groups}
    for group, inside in members.items():
        kept.append(_box(box_id[group], group, inside))
        if group.startswith("run:") and inside[0][0] in module_of:
            new_module_of[box_id[group]] = module_of[inside[0][0]]
    rename = {dot_id: box_id[group] for dot_id, group in groups.items()}
    new_edges, seen = [], set()
    for source, target, label in edges:
        source, target = rename.get(source, source), rename.get(target, target)
        if source != target and (source, target) not in seen:
            seen.add((source, target))
            new_edges.append((source, target, label))
    return Collapsed(kept, new_edges, new_module_of, None)


def _box(dot_id: str, group: str, inside: list[list[Any]]) -> list[Any]:
    ops: Counter[str] = Counter()
    for e in inside:
        if e[1] == "op":
            ops[e[2][0]] += 1
        elif e[1] == "collapsed":
            ops.update(e[5])
    text = ", ".join(f"{op}×{n}" if n > 1 else op for op, n in ops.most_common())
    tensors = [e for e in inside if e[1] not in ("op", "collapsed")]
    lines = [] if group.startswith("run:") else [group.partition(":")[2]]
    lines.append(text if len(text) <= 40 else text[:37] + "...")
    if tensors:
        lines.append(f"{len(tensors)} tensor{'s' if len(tensors) > 1 else ''} inside")
    count = sum(ops.values())
    tooltip = [*lines[:1], f"{count} op{'s' if count != 1 else ''}: {text}"]
    tooltip += (
        [", ".join(e[2][0] for e in tensors[:8]) + (" ..." if len(tensors) > 8 else "")] if tensors else []
    )
    return [dot_id, "collapsed", lines, {"tooltip": tooltip}, None, ops]


def _nearest_to_output(graph: Collapsed, max_nodes: int) -> Collapsed:
    """Keep the max_nodes - 1 nodes nearest the outputs; one node stands for the rest."""
    producers: dict[str, list[str]] = {}
    has_consumer = set()
    for source, target, _ in graph.edges:
        producers.setdefault(target, []).append(source)
        has_consumer.add(source)
    frontier = [e[0] for e in graph.entries if e[0] not in has_consumer]
    keep: dict[str, None] = {}
    while frontier and len(keep) < max_nodes - 1:
        following = []
        for dot_id in frontier:
            if dot_id not in keep and len(keep) < max_nodes - 1:
                keep[dot_id] = None
                following.extend(producers.get(dot_id, ()))
        frontier = following
    hidden = len(graph.entries) - len(keep)
    rest = ["more", "collapsed", [f"... {hidden:,} more nodes", "not drawn"], {"tooltip": ["over max_nodes"]}]
    rest += [None, Counter()]
    edges, seen = [], set()
    for source, target, label in graph.edges:
        if target in keep:
            source = source if source in keep else "more"
            if (source, target) not in seen:
                seen.add((source, target))
                edges.append((source, target, label if source != "more" else ""))
    entries = [e for e in graph.entries if e[0] in keep] + [rest]
    return Collapsed(entries, edges, {k: v for k, v in graph.module_of.items() if k in keep}, graph.note)
