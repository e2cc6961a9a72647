"""Random programs: DAGs of 3-25 ops over 1-3 leaves, built one step at a time on real values.

Each candidate step is run in NumPy on the program's actual leaf values before it is kept: it
must be defined there (shapes), keep its arguments away from kinks and domain edges (so that
finite differences are valid), keep values finite and moderate, and, for an in-place step, be
accepted by PyTorch's rules (the target is no leaf, and nothing PyTorch keeps for backward is
overwritten). The same `Builder` re-validates the candidates of the shrinker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .ops import OPS, SPECS, OpSpec
from .program import Leaf, Program, Step

MARGIN = 1e-3  # a kink (relu at 0, a tie of max) at least this far from every argument
MAGNITUDE = 1e3  # every value within +-MAGNITUDE
MAX_SIZE = 64  # elements of any value (and no value is empty)
MAX_NDIM = 4
SETITEM_EXTRA_AXES = "setitem value: extra axes"  # for Options.exclude: `t[i] = v` with v of more axes than t[i]


@dataclass(frozen=True)
class Options:
    """What programs may contain."""

    min_steps: int = 3
    max_steps: int = 25
    max_leaves: int = 3
    views: bool = False  # in-place writes through views (issue 11 item 2)
    exclude: frozenset[str] = frozenset()  # op names never used (or SETITEM_EXTRA_AXES)
    # Op names that npgrad treats as keeping their inputs / output for backward although PyTorch
    # does not: known findings, so in-place writes that would meet them are not generated.
    also_saves_inputs: frozenset[str] = frozenset()
    also_saves_output: frozenset[str] = frozenset()


@dataclass
class Value:
    shape: tuple[int, ...]
    group: int  # values that share memory (a view and its base) share a group
    leaf: bool
    saved: bool = False  # kept by some node for backward (a later in-place write is an error)
    output_saved: bool = False  # kept by the node that produced it


@dataclass
class Builder:
    """A program under construction, with its values computed in NumPy."""

    options: Options
    leaves: list[Leaf]
    steps: list[Step] = field(default_factory=list)
    env: dict[str, np.ndarray] = field(default_factory=dict)
    info: dict[str, Value] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for number, leaf in enumerate(self.leaves):
            self.env[leaf.name] = leaf.array()
            self.info[leaf.name] = Value(leaf.shape, number, leaf=True)
        self.next_group = len(self.leaves)

    def inplace_targets(self) -> list[str]:
        return [name for name in self.info if self.writable(name)]

    def writable(self, name: str) -> bool:
        """Whether PyTorch accepts an in-place write to `name` (and, without views, whether it has none)."""
        group = [v for v in self.info.values() if v.group == self.info[name].group]
        if any(v.leaf or v.saved or v.output_saved for v in group):
            return False
        if self.options.views:
            return True
        target = self.env[name]
        return len(group) == 1 and not any(
            np.shares_memory(target, array) for other, array in self.env.items() if other != name
        )

    def try_step(self, step: Step) -> bool:
        """Add `step` if it is valid here; leave everything unchanged if not."""
        spec = OPS[step.op]
        if spec.name in self.options.exclude or any(a not in self.env for a in step.args):
            return False
        if spec.inplace and not (self.writable(step.args[0]) and self.env[step.args[0]].flags.writeable):
            return False  # (a broadcast view is read-only, in PyTorch too)
        if spec.inplace and self._saves_inputs(spec) and self._group(step.args[1:]) & self._group(step.args[:1]):
            return False  # `y *= y`: PyTorch keeps the operand, which the write then changes
        arrays = [self.env[a] for a in step.args]
        scope = dict(self.env)
        if spec.inplace:
            scope[step.args[0]] = arrays[0].copy()  # a trial on a copy first
        try:
            with np.errstate(all="ignore"):
                exec(step.source("numpy"), {"np": np}, scope)  # noqa: S102 - generated source
        except (ValueError, IndexError, TypeError):
            return False
        if SETITEM_EXTRA_AXES in self.options.exclude and spec.name == "setitem value":
            slot = eval(f"target[{step.params[0]}]", {"np": np}, {"target": arrays[0]})  # noqa: S307
            if np.ndim(arrays[1]) > np.ndim(slot):
                return False
        if spec.margin is not None and not spec.margin(arrays, step.params) >= MARGIN:
            return False  # (the arguments broadcast: the step ran)
        result = np.asarray(scope[step.out if step.out else step.args[0]])
        if result.dtype != np.float64 or result.ndim > MAX_NDIM or not 0 < result.size <= MAX_SIZE:
            return False
        if not np.all(np.abs(result) <= MAGNITUDE):  # also refuses NaN and inf
            return False
        self._record(spec, step, scope)
        return True

    def _saves_inputs(self, spec: OpSpec) -> bool:
        return spec.torch_saves_inputs or spec.name in self.options.also_saves_inputs

    def _group(self, names: tuple[str, ...]) -> set[int]:
        return {self.info[name].group for name in names}

    def _record(self, spec: OpSpec, step: Step, scope: dict[str, np.ndarray]) -> None:
        if spec.inplace:  # now for real
            with np.errstate(all="ignore"):
                exec(step.source("numpy"), {"np": np}, self.env)  # noqa: S102
        else:
            self.env[step.out] = scope[step.out]
        kept = step.args[1:] if spec.inplace else step.args
        if self._saves_inputs(spec):
            for name in kept:
                self.info[name].saved = True
        if not spec.inplace:
            group = self.info[step.args[0]].group if spec.view else self._new_group()
            saves_output = spec.torch_saves_output or spec.name in self.options.also_saves_output
            self.info[step.out] = Value(self.env[step.out].shape, group, leaf=False, output_saved=saves_output)
        elif spec.name in self.options.also_saves_output:
            self.info[step.args[0]].output_saved = True
        self.steps.append(step)

    def _new_group(self) -> int:
        self.next_group += 1
        return self.next_group


def random_leaves(rng: np.random.Generator, count: int) -> list[Leaf]:
    leaves = []
    for number in range(count):
        while True:
            ndim = int(rng.choice(5, p=[0.1, 0.3, 0.3, 0.2, 0.1]))
            shape = tuple(int(s) for s in rng.choice([1, 2, 3], ndim, p=[0.3, 0.4, 0.3]))
            if int(np.prod(shape)) <= 24:
                break
        values = np.round(rng.uniform(-2.0, 2.0, shape), 2)
        leaves.append(Leaf(f"x{number}", shape, tuple(float(v) for v in values.reshape(-1))))
    return leaves


def generate(seed: int, options: Options = Options()) -> Program:
    """The program of `seed`: the same seed and options give the same program."""
    rng = np.random.default_rng(seed)
    specs = [s for s in SPECS if s.name not in options.exclude]
    weights = np.array([s.weight for s in specs])
    weights /= weights.sum()
    while True:
        builder = Builder(options, random_leaves(rng, int(rng.integers(1, options.max_leaves + 1))))
        wanted = int(rng.integers(options.min_steps, options.max_steps + 1))
        for _ in range(40 * wanted):
            if len(builder.steps) >= wanted:
                break
            spec = specs[int(rng.choice(len(specs), p=weights))]
            step = _random_step(rng, builder, spec)
            if step is not None:
                builder.try_step(step)
        if len(builder.steps) >= options.min_steps:
            names = [n for n in builder.info if not builder.info[n].leaf]
            return Program(tuple(builder.leaves), tuple(builder.steps), tuple(names), cotangent_seed=seed)


def _random_step(rng: np.random.Generator, builder: Builder, spec: OpSpec) -> Step | None:
    names = list(builder.env)
    recent = np.arange(1, len(names) + 1, dtype=float)  # later values are picked more often
    if spec.inplace:
        targets = builder.inplace_targets()
        if not targets:
            return None
        first = targets[int(rng.integers(len(targets)))]
    else:
        first = names[int(rng.choice(len(names), p=recent / recent.sum()))]
    args = [first]
    if spec.arity == 2:
        args.append(names[int(rng.choice(len(names), p=recent / recent.sum()))])
    params = spec.params(rng, [builder.info[a].shape for a in args])
    if params is None:
        return None
    out = None if spec.inplace else f"v{len(builder.steps) + len(builder.leaves)}"
    return Step(spec.name, tuple(args), params, out)


def validate(program: Program, options: Options) -> bool:
    """Whether every step of `program` is valid in order (see `Builder.try_step`)."""
    builder = Builder(options, list(program.leaves))
    names = {leaf.name for leaf in program.leaves} | {s.out for s in program.steps if s.out}
    if not program.outputs or any(o not in names for o in program.outputs):
        return False
    return all(builder.try_step(step) for step in program.steps)
