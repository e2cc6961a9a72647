"""Shrink a failing program to a minimal one that fails the same way.

Greedy passes, repeated until none helps: drop outputs, drop steps (with the steps that use
their results), drop unused leaves, use ones as cotangents, shrink leaf shapes (a side to 1,
a size-1 axis away) and round leaf values. A candidate counts only if it is a valid program
(`generator.validate`: the same kink, domain and PyTorch in-place rules as generation) and
the oracle reports the same kind of failure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import numpy as np

from .generator import Options, validate
from .oracle import Failure, check
from .program import Leaf, Program, Step


def shrink(
    program: Program,
    failure: Failure,
    options: Options = Options(),  # noqa: B008 - frozen
    second_order: bool = False,
    oracle: Callable[[Program, bool], Failure | None] = check,
) -> tuple[Program, Failure]:
    """The smallest program found that is valid and fails like `failure`, and its failure."""
    best, best_failure = program, failure
    improved = True
    while improved:
        improved = False
        for candidate in _candidates(best):
            if not validate(candidate, options):
                continue
            found = oracle(candidate, second_order)
            if failure.same_as(found):
                best, best_failure, improved = candidate, found, True
                break
    return best, best_failure


def _candidates(program: Program) -> Iterator[Program]:
    """Smaller variants of `program`, the biggest reductions first."""
    replace = dataclasses.replace
    for i in reversed(range(len(program.steps))):
        yield _without_step(program, i)
    for i, step in enumerate(program.steps):
        if step.out and step.args:
            yield _bypassed(program, i)
    if len(program.outputs) > 1:
        for i in range(len(program.outputs)):
            yield replace(program, outputs=program.outputs[:i] + program.outputs[i + 1 :])
    used = {a for step in program.steps for a in step.args} | set(program.outputs)
    if any(leaf.name not in used for leaf in program.leaves):
        yield replace(program, leaves=tuple(leaf for leaf in program.leaves if leaf.name in used))
    if program.cotangent_seed is not None:
        yield replace(program, cotangent_seed=None)
    for position, leaf in enumerate(program.leaves):
        for smaller in _smaller_leaves(leaf):
            yield replace(program, leaves=program.leaves[:position] + (smaller,) + program.leaves[position + 1 :])


def _without_step(program: Program, index: int) -> Program:
    """`program` without step `index` and without every later step that reads what it made."""
    removed: set[str] = set()
    steps: list[Step] = []
    for i, step in enumerate(program.steps):
        if i == index or any(a in removed for a in step.args):
            if step.out:
                removed.add(step.out)
            continue
        steps.append(step)
    outputs = tuple(o for o in program.outputs if o not in removed)
    if not outputs and steps:
        outputs = (next((s.out for s in reversed(steps) if s.out), program.leaves[0].name),)
    return dataclasses.replace(program, steps=tuple(steps), outputs=outputs)


def _bypassed(program: Program, index: int) -> Program:
    """`program` without step `index`, its result replaced by the step's first argument."""
    out, first = program.steps[index].out, program.steps[index].args[0]
    steps = tuple(
        dataclasses.replace(s, args=tuple(first if a == out else a for a in s.args))
        for i, s in enumerate(program.steps)
        if i != index
    )
    outputs = tuple(dict.fromkeys(first if o == out else o for o in program.outputs))
    return dataclasses.replace(program, steps=steps, outputs=outputs)


def _smaller_leaves(leaf: Leaf) -> Iterator[Leaf]:
    array = leaf.array()
    for axis, side in enumerate(leaf.shape):
        if side == 1:
            yield _leaf_like(leaf, np.squeeze(array, axis))
        else:
            yield _leaf_like(leaf, np.take(array, [0], axis=axis))
            yield _leaf_like(leaf, np.take(array, range(side - 1), axis=axis))
    rounded = np.round(array, 1)
    if not np.array_equal(rounded, array):
        yield _leaf_like(leaf, rounded)


def _leaf_like(leaf: Leaf, array: np.ndarray) -> Leaf:
    return Leaf(leaf.name, array.shape, tuple(float(v) for v in array.reshape(-1)))
