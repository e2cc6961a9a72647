"""`Function.apply`'s unary and binary paths are optimisations of its general n-ary path: each
must record the same edges (see `input_edge`, `decode_edge`) for every kind of input."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
from autograd.function import decode_edge, input_edge


class Probe(ag.Function):
    """Any number of arguments; returns the first one's values."""

    @staticmethod
    def forward(ctx, *arrays):
        return np.array(arrays[0], dtype=np.float64)

    @staticmethod
    def backward(ctx, grad):
        return (grad,) + (None,) * (len(ctx.inputs) - 1)


class Split(ag.Function):
    """Two outputs, so that inputs can be output 0 or output 1 of a node."""

    @staticmethod
    def forward(ctx, x):
        return x.copy(), x * 2

    @staticmethod
    def backward(ctx, g0, g1):
        return g0 + 2 * g1


INPUT_KINDS = ["leaf", "constant leaf", "output 0", "output 1", "single output", "number", "array"]


def make_input(kind: str):
    x = ag.Tensor(np.arange(3.0), requires_grad=True)
    return {
        "leaf": lambda: x,
        "constant leaf": lambda: ag.Tensor(np.arange(3.0)),
        "output 0": lambda: Split.apply(x)[0],
        "output 1": lambda: Split.apply(x)[1],
        "single output": lambda: x * 3.0,
        "number": lambda: 2.0,
        "array": lambda: np.ones(3),
    }[kind]()


def same_edge(got, want) -> bool:
    got, want = decode_edge(got), decode_edge(want)
    if got is None or want is None:
        return got is want
    return got[0] is want[0] and got[1] == want[1]


def general_edges(*args):
    """The edges the general path records for `args` (padded with constants to three or more)."""
    padded = args + (None,) * max(0, 3 - len(args))
    out = Probe.apply(*padded)
    return (out.grad_fn._edges if out.grad_fn is not None else (None,) * len(padded))[: len(args)]


@settings(max_examples=60, deadline=None)
@given(kinds=st.lists(st.sampled_from(INPUT_KINDS), min_size=1, max_size=4), no_grad=st.booleans())
def test_every_apply_path_records_the_edges_of_the_general_path(kinds, no_grad):
    check_paths_agree(kinds, no_grad)


def test_every_unary_and_binary_combination_records_the_edges_of_the_general_path():
    for count in (1, 2):
        for kinds in itertools.product(INPUT_KINDS, repeat=count):
            for no_grad in (False, True):
                check_paths_agree(list(kinds), no_grad)


def check_paths_agree(kinds: list[str], no_grad: bool) -> None:
    args = tuple(make_input(kind) for kind in kinds)
    if isinstance(args[0], float):  # Probe returns its first argument: keep it an array
        args = (np.ones(3),) + args[1:]
    with ag.no_grad() if no_grad else ag.enable_grad():
        out = Probe.apply(*args)
        want = general_edges(*args)
    got = out.grad_fn._edges if out.grad_fn is not None else (None,) * len(args)
    assert len(got) == len(args)
    assert all(same_edge(g, w) for g, w in zip(got, want)), (kinds, got, want)
    for arg, edge in zip(args, want):  # and the general path's edges are `input_edge`'s
        needs = isinstance(arg, ag.Tensor) and arg.requires_grad and not no_grad
        assert same_edge(edge, input_edge(arg) if needs else None)
    assert (out.grad_fn is not None) == any(edge is not None for edge in want)


def test_decode_edge_reads_all_four_spellings():
    x = ag.Tensor(np.arange(3.0), requires_grad=True)
    first, second = Split.apply(x)
    node = first.grad_fn
    assert decode_edge(None) is None
    assert decode_edge(input_edge(first)) == (node, 0) and input_edge(first) is node
    assert decode_edge(input_edge(second)) == (node, 1)
    leaf_edge = decode_edge(input_edge(x))
    assert leaf_edge[0] is x and leaf_edge[1] is None
