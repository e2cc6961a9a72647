"""Function transforms, autograd style: `grad(f)` is a function and `grad(grad(f))` its derivative.

Modelled on `torch.func` and HIPS autograd, and built on `ag.grad`. Each call of a transformed
function is a level. It differentiates with respect to tensors of its own: a fresh leaf at the
top level, an identity node over the outer level's tensor when nested (so the outer level still
sees the dependence, and an inner level never confuses its variable with an outer one). It records
gradients with `create_graph=True` only when an outer level is active, and at the top level returns
results cut from the graph, so no caller's graph or `.grad` is touched.

Arguments may be Tensors, ndarrays, Python numbers, or tuples, lists and dicts of them (a dict of
parameters, say); gradients come back in the same structure.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from autograd.backward import grad as _engine_grad
from autograd.function import Function
from autograd.functional_call import functional_call
from autograd.grad_mode import enable_grad
from autograd.ops.shape import stack
from autograd.tensor import Tensor

__all__ = [
    "grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "hvp", "elementwise_grad",
    "functional_call",
]  # fmt: skip

Argnums = int | tuple[int, ...]
_levels = threading.local()  # .depth: how many transformed calls are running in this thread


@contextmanager
def _level() -> Iterator[bool]:
    """One transformed call. Yields whether an outer one is active: then results keep their graph."""
    depth = getattr(_levels, "depth", 0)
    _levels.depth = depth + 1
    try:
        with enable_grad():
            yield depth > 0
    finally:
        _levels.depth = depth


class _Identity(Function):
    """A copy that stays in the graph: a nested level's own variable over the outer level's."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: Function, grad_output: Any) -> Any:
        return grad_output


# ---------------------------------------------------------------- argument trees
def _leaves(tree: Any) -> list[Any]:
    """The leaves of nested tuples, lists and dicts, in order."""
    if type(tree) is dict:
        return [leaf for value in tree.values() for leaf in _leaves(value)]
    if type(tree) in (tuple, list):
        return [leaf for value in tree for leaf in _leaves(value)]
    return [tree]


def _rebuild(tree: Any, leaves: Iterator[Any]) -> Any:
    """`tree`'s structure with its leaves taken in order from `leaves`."""
    if type(tree) is dict:
        return {key: _rebuild(value, leaves) for key, value in tree.items()}
    if type(tree) in (tuple, list):
        return type(tree)(_rebuild(value, leaves) for value in tree)
    return next(leaves)


def _finish(result: Any, keep_graph: bool) -> Any:
    """At the top level, every Tensor in `result` cut from the graph."""
    if keep_graph:
        return result
    leaves = [
        leaf.detach() if isinstance(leaf, Tensor) and leaf.requires_grad else leaf for leaf in _leaves(result)
    ]
    return _rebuild(result, iter(leaves))


# ---------------------------------------------------------------- inputs and outputs
def _argnums(argnums: Argnums, count: int, name: str) -> tuple[int, ...]:
    numbers = argnums if isinstance(argnums, tuple) else (argnums,)
    if not numbers:
        raise ValueError(f"{name}: argnums=() selects no argument to differentiate")
    for number in numbers:
        if not isinstance(number, int) or isinstance(number, bool):
            raise TypeError(f"{name}: argnums must be an int or a tuple of ints, got {argnums!r}")
        if not -count <= number < count:
            plural = "argument" if count == 1 else "arguments"
            raise ValueError(
                f"{name}: argnums={argnums!r} is out of range: the function was called with {count} "
                f"positional {plural}"
            )
    numbers = tuple(number % count for number in numbers)
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"{name}: argnums={argnums!r} names an argument twice")
    return numbers


def _variable(value: Any, keep_graph: bool, where: str) -> Tensor:
    """This level's variable for one differentiated leaf argument."""
    if isinstance(value, Tensor):
        if keep_graph and value.requires_grad:
            return _Identity.apply(value)
        array = value.data
    elif isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
    else:
        array = Tensor(value).data  # Python numbers become float64
    if array.dtype.kind != "f":
        raise TypeError(
            f"{where} has dtype {array.dtype}; only floating-point arguments can be differentiated "
            "(cast it with .astype(np.float64))"
        )
    return Tensor(array, requires_grad=True)


def _variables(
    args: Sequence[Any], numbers: tuple[int, ...], keep_graph: bool, name: str
) -> tuple[list, list]:
    """The arguments with this level's variables in place of the differentiated ones, and the
    variables grouped per differentiated argument: [(argument, [variable, ...]), ...]."""
    call_args = list(args)
    groups = []
    for number in numbers:
        tree = args[number]
        variables = [_variable(leaf, keep_graph, f"{name}: argument {number}") for leaf in _leaves(tree)]
        call_args[number] = _rebuild(tree, iter(variables))
        groups.append((tree, variables))
    return call_args, groups


def _regroup(groups: list, flat: Sequence[Any], argnums: Argnums) -> Any:
    """Per-variable results back into the structure of the differentiated arguments."""
    results, flat_iter = [], iter(flat)
    for tree, variables in groups:
        results.append(_rebuild(tree, iter([next(flat_iter) for _ in variables])))
    return tuple(results) if isinstance(argnums, tuple) else results[0]


def _tensor(output: Any, name: str) -> Tensor:
    if not isinstance(output, Tensor):
        hint = (
            " (did it call np.* or .numpy() on a Tensor?)"
            if isinstance(output, (np.ndarray, np.generic))
            else ""
        )
        raise TypeError(
            f"{name}: the function returned {type(output).__name__}, not a Tensor{hint}; "
            "build its result from its Tensor arguments with autograd ops"
        )
    return output


def _scalar(output: Any, name: str) -> Tensor:
    output = _tensor(output, name)
    if output.data.size != 1:
        raise ValueError(
            f"{name}: the function must return a scalar (one element) to be differentiated, but it returned "
            f"a Tensor of shape {output.shape}; use func.jacobian, func.vjp or func.elementwise_grad instead"
        )
    return output


def _split_aux(result: Any, has_aux: bool, name: str) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if type(result) not in (tuple, list) or len(result) != 2:
        raise TypeError(
            f"{name}: with has_aux=True the function must return a pair (output, aux), got {result!r:.80}"
        )
    return result[0], result[1]


def _like(reference: Tensor, value: Any, keep_graph: bool, what: str) -> Tensor:
    """A tangent or cotangent for `reference`: same shape, its dtype; its graph kept when nested."""
    if isinstance(value, Tensor) and keep_graph and value.requires_grad:
        tensor = value
    else:
        tensor = Tensor(np.asarray(value.data if isinstance(value, Tensor) else value, dtype=reference.dtype))
    if tensor.shape != reference.shape:
        raise ValueError(f"{what} has shape {tensor.shape} but must have shape {reference.shape}")
    return tensor


def _gradients(
    output: Tensor, inputs: Sequence[Tensor], keep_graph: bool, cotangent: Any = None, retain: bool = False
) -> list[Tensor]:
    """d output / d inputs (weighted by a constant `cotangent`); zeros for inputs it does not depend on."""
    if output.requires_grad:
        retain = retain or keep_graph
        grads = _engine_grad(output, inputs, cotangent, retain, create_graph=keep_graph, allow_unused=True)
    else:
        grads = (None,) * len(inputs)
    results = []
    for x, g in zip(inputs, grads):
        if g is None:
            g = Tensor(np.zeros_like(x.data))
        elif not (keep_graph or g.data.flags.writeable):  # ag.grad may return a broadcast view
            g = Tensor(g.data.copy())
        results.append(g)
    return results


def _dot(lefts: Sequence[Tensor], rights: Sequence[Tensor]) -> Tensor:
    """sum_i <lefts[i], rights[i]>, recorded, in their dtype."""
    terms = [(left * right).sum() for left, right in zip(lefts, rights)]
    return functools.reduce(lambda a, b: a + b, terms) if terms else Tensor(0.0)


# ---------------------------------------------------------------- transforms
def _value_and_grad(
    fn: Callable, argnums: Argnums, has_aux: bool, name: str, args: tuple, kwargs: dict
) -> tuple:
    numbers = _argnums(argnums, len(args), name)
    with _level() as keep:
        call_args, groups = _variables(args, numbers, keep, name)
        value, aux = _split_aux(fn(*call_args, **kwargs), has_aux, name)
        value = _scalar(value, name)
        grads = _gradients(value, [x for _, variables in groups for x in variables], keep)
        result = ((value, aux) if has_aux else value), _regroup(groups, grads, argnums)
    return _finish(result, keep)


def value_and_grad(fn: Callable, argnums: Argnums = 0, has_aux: bool = False) -> Callable[..., tuple]:
    """f -> (x -> (f(x), df/dx)); with has_aux, f returns (value, aux) and the result is
    ((value, aux), grad)."""

    @functools.wraps(fn)
    def value_and_grad_fn(*args: Any, **kwargs: Any) -> tuple:
        return _value_and_grad(fn, argnums, has_aux, "func.value_and_grad", args, kwargs)

    return value_and_grad_fn


def grad(fn: Callable, argnums: Argnums = 0, has_aux: bool = False) -> Callable[..., Any]:
    """f -> df/d(args[argnums]) (a tuple of gradients when argnums is a tuple); f must return a scalar.
    With has_aux, f returns (scalar, aux) and the result is (grad, aux)."""

    @functools.wraps(fn)
    def grad_fn(*args: Any, **kwargs: Any) -> Any:
        value, grads = _value_and_grad(fn, argnums, has_aux, "func.grad", args, kwargs)
        return (grads, value[1]) if has_aux else grads

    return grad_fn


def elementwise_grad(fn: Callable, argnums: Argnums = 0) -> Callable[..., Any]:
    """f -> the gradient of f(x).sum(): the derivative at every point, for an elementwise f
    (HIPS autograd)."""

    def summed(*args: Any, **kwargs: Any) -> Tensor:
        return _tensor(fn(*args, **kwargs), "func.elementwise_grad").sum()

    @functools.wraps(fn)
    def elementwise_grad_fn(*args: Any, **kwargs: Any) -> Any:
        return _value_and_grad(summed, argnums, False, "func.elementwise_grad", args, kwargs)[1]

    return elementwise_grad_fn


def vjp(fn: Callable, *primals: Any) -> tuple[Tensor, Callable[[Any], tuple]]:
    """(fn(*primals), vjp_fn): vjp_fn(cotangent) is cotangent^T J, one gradient per primal."""
    with _level() as keep:
        call_args, groups = _variables(primals, tuple(range(len(primals))), keep, "func.vjp")
        output = _tensor(fn(*call_args), "func.vjp")
    variables = [x for _, group in groups for x in group]

    def vjp_fn(cotangent: Any) -> tuple:
        """cotangent^T J for the output that `func.vjp` recorded; may be called many times."""
        with _level() as nested:
            keep_graph = keep or nested
            cotangent = _like(output, cotangent, keep_graph, "func.vjp: the cotangent")
            if cotangent.requires_grad:  # its own graph must reach the result: weight, then differentiate
                grads = _gradients((output * cotangent).sum(), variables, True)
            else:
                grads = _gradients(output, variables, keep_graph, cotangent.data, retain=True)
            result = _regroup(groups, grads, tuple(range(len(primals))))
        return _finish(result, keep_graph)

    return _finish(output, keep), vjp_fn


def jvp(fn: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Tensor, Tensor]:
    """(fn(*primals), J @ tangents), by the double-vjp trick: g(u) = J^T u is linear in u, and
    d<g(u), v>/du = J v."""
    primals, tangents = _tuples(primals, tangents, "func.jvp")
    with _level() as keep:
        call_args, groups = _variables(primals, tuple(range(len(primals))), keep, "func.jvp")
        variables = [x for _, group in groups for x in group]
        directions = _directions(tangents, variables, keep, "func.jvp")
        output = _tensor(fn(*call_args), "func.jvp")
        u = Tensor(np.zeros_like(output.data), requires_grad=True)
        pulled_back = _gradients((output * u).sum(), variables, True) if output.requires_grad else []
        (tangent_out,) = _gradients(_dot(pulled_back, directions), [u], keep)
        result = output, tangent_out
    return _finish(result, keep)


def hvp(fn: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Tensor, tuple]:
    """(fn(*primals), H @ tangents) for a scalar fn, one result per primal: the gradient of
    <grad fn, tangents>, reverse over reverse."""
    primals, tangents = _tuples(primals, tangents, "func.hvp")
    numbers = tuple(range(len(primals)))
    with _level() as keep:
        call_args, groups = _variables(primals, numbers, keep, "func.hvp")
        variables = [x for _, group in groups for x in group]
        directions = _directions(tangents, variables, keep, "func.hvp")
        output = _scalar(fn(*call_args), "func.hvp")
        slope = _dot(_gradients(output, variables, True), directions)
        result = output, _regroup(groups, _gradients(slope, variables, keep), numbers)
    return _finish(result, keep)


def _tuples(primals: Any, tangents: Any, name: str) -> tuple[tuple, tuple]:
    if type(primals) not in (tuple, list) or type(tangents) not in (tuple, list):
        raise TypeError(f"{name}: primals and tangents must be tuples of arguments (write (x,) for one)")
    if len(primals) != len(tangents):
        raise ValueError(f"{name}: {len(primals)} primals but {len(tangents)} tangents")
    return tuple(primals), tuple(tangents)


def _directions(tangents: tuple, variables: list[Tensor], keep: bool, name: str) -> list[Tensor]:
    leaves = _leaves(tangents)
    if len(leaves) != len(variables):
        raise ValueError(f"{name}: the tangents hold {len(leaves)} arrays but the primals {len(variables)}")
    return [_like(x, v, keep, f"{name}: tangent {i}") for i, (x, v) in enumerate(zip(variables, leaves))]


def jacobian(fn: Callable, argnums: Argnums = 0) -> Callable[..., Any]:
    """f -> (x -> J) with J.shape == output.shape + x.shape (per output if f returns a tuple, per
    argument if argnums is a tuple). Reverse mode: one backward pass per output element."""

    @functools.wraps(fn)
    def jacobian_fn(*args: Any, **kwargs: Any) -> Any:
        numbers = _argnums(argnums, len(args), "func.jacobian")
        with _level() as keep:
            call_args, groups = _variables(args, numbers, keep, "func.jacobian")
            variables = [x for _, group in groups for x in group]
            result = fn(*call_args, **kwargs)
            outputs = [_tensor(output, "func.jacobian") for output in _leaves(result)]
            blocks = [_regroup(groups, _jacobian_blocks(y, variables, keep), argnums) for y in outputs]
            jac = _rebuild(result, iter(blocks))
        return _finish(jac, keep)

    return jacobian_fn


def _jacobian_blocks(output: Tensor, variables: list[Tensor], keep: bool) -> list[Tensor]:
    """d output / d x for each variable x, of shape output.shape + x.shape: a row per output element."""
    rows: list[list[Tensor]] = [[] for _ in variables]
    for position in range(output.data.size):
        unit = np.zeros(output.shape, output.dtype)
        unit.flat[position] = 1
        for row, g in zip(rows, _gradients(output, variables, keep, unit, retain=True)):
            row.append(g)
    blocks = []
    for row, x in zip(rows, variables):
        shape = output.shape + x.shape
        if not row:  # an empty output
            blocks.append(Tensor(np.zeros(shape, x.dtype)))
        elif keep:
            blocks.append(stack(row).reshape(shape))
        else:
            blocks.append(Tensor(np.stack([g.data for g in row]).reshape(shape)))
    return blocks


def hessian(fn: Callable, argnums: Argnums = 0) -> Callable[..., Any]:
    """f -> (x -> H) with H.shape == x.shape + x.shape for a scalar f (output.shape + x.shape + x.shape
    in general); with a tuple argnums, H[i][j] is the block d/dx_j d/dx_i f."""
    return jacobian(jacobian(fn, argnums), argnums)
