"""`ag.compile(fn)`: trace a training step once, then replay it as plain NumPy calls.

The first two calls with a given key (argument shapes, dtypes, `requires_grad`; grad mode) run `fn`
eagerly while recording it (see `trace`); when both recordings made the same graph, a `Plan` is built
and every later call with that key runs the plan: the ops' own forward and backward on arrays, no
Tensor and no node objects, the leaves' `.grad` filled as `loss.backward()` fills them. A function that
reads values while tracing, or whose two traces differ, runs eagerly from then on, after one warning.
"""

from __future__ import annotations

import builtins
import functools
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.compiler.plan import Plan
from autograd.compiler.trace import Trace, Tracing, same_trace
from autograd.grad_mode import _DEFAULT as _DEFAULT_MODE
from autograd.grad_mode import current_mode, open_blocks
from autograd.leaf_grads import grad_tensor
from autograd.tensor import Tensor

__all__ = ["compile", "CompiledFunction"]

_ndarray = np.ndarray
CACHE_SIZE = 8  # plans kept per compiled function (least recently used dropped first)


class CompiledFunction:
    """The callable `ag.compile(fn)` returns: `step(*args, backward=True)` -> the output Tensor."""

    def __init__(self, fn: Callable[..., Any], cache_size: int = CACHE_SIZE, fast: bool = True) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.cache_size = cache_size
        self.fast = fast  # use the fast kernels of kernels.py where they apply
        self.fallback_reason: str | None = None  # set when fn runs eagerly for good
        self.counts = {"traces": 0, "replays": 0, "eager": 0}
        self._cache: OrderedDict[Any, Any] = OrderedDict()  # key -> Trace (seen once) or _Entry
        self._last: _Entry | None = None

    def __call__(self, *args: Any, backward: bool = True) -> Tensor:
        mode = current_mode() if open_blocks else _DEFAULT_MODE
        if self.fallback_reason is not None or mode[1] or Tracing.active:
            return self._eager(args, backward)  # inside another compiled function's trace: part of it
        last = self._last  # the entry replayed last: checked without building and hashing a key
        if last is not None and last.matches(args, mode[0]) and last.guards_hold():
            self.counts["replays"] += 1
            return grad_tensor(last.plan.run(args, backward))
        key = _key(args, mode[0])
        entry = self._cache.get(key)
        if type(entry) is _Entry:
            if entry.guards_hold():
                self.counts["replays"] += 1
                self._last = entry if entry.matches is not None else None
                return grad_tensor(entry.plan.run(args, backward))
            entry = self._last = None
            del self._cache[key]
        if key is None:
            self._give_up("an argument is neither a Tensor, an ndarray nor a hashable constant, or is the "
                          "output of a recorded op (pass it detached)")  # fmt: skip
            return self._eager(args, backward)
        return self._trace(key, entry, args, backward)

    def _trace(self, key: Any, previous: Trace | None, args: tuple[Any, ...], backward: bool) -> Tensor:
        self.counts["traces"] += 1
        trace = Trace(args)
        with Tracing(trace):
            out = self.fn(*args)
        trace.finish(out)
        if backward:
            _backward(out, self.fn)
        if trace.problem is not None:
            self._give_up(trace.problem)
        elif previous is None:
            self._store(key, trace)
        else:
            difference = same_trace(previous, trace)
            called = list(trace.modules.values())
            aliased = _aliased(self.fn, args, called)
            if difference is not None:
                self._give_up(f"its graph depends on values: {difference}")
            elif aliased is not None:
                self._give_up(aliased)
            else:
                plan = Plan(trace, self.fast)
                self._store(key, _Entry(plan, self.fn, key, called))
        return out

    def _store(self, key: Any, value: Any) -> None:
        self._last = None
        self._cache[key] = value
        self._cache.move_to_end(key)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def _give_up(self, reason: str) -> None:
        self.fallback_reason = reason
        self._cache.clear()
        self._last = None
        name = getattr(self.fn, "__qualname__", repr(self.fn))
        warnings.warn(f"ag.compile: {name} will run eagerly: {reason}", RuntimeWarning, stacklevel=4)

    def _eager(self, args: tuple[Any, ...], backward: bool) -> Tensor:
        self.counts["eager"] += 1
        out = self.fn(*args)
        if backward:
            _backward(out, self.fn)
        return out

    def plans(self) -> list[Plan]:
        """The plans in the cache (for inspection: `plan.source` is the generated code)."""
        return [entry.plan for entry in self._cache.values() if type(entry) is _Entry]


class _Entry:
    """A plan and the guards that must hold before it runs: its closure leaves unchanged (still
    requiring grad, without hooks, of the same shape and dtype), its state tensors' arrays of the
    same shape and dtype, and the modules found in `fn`'s closure still holding those tensors and
    in the same training mode. `guards_hold` is generated
    code: one unrolled test per guard."""

    def __init__(self, plan: Plan, fn: Callable[..., Any], key: Any, called: list[Any]) -> None:
        self.plan = plan
        self.matches = _matcher(key)
        held, modes = _module_guards(fn, plan.leaves + [state for state, _ in plan.states], called)
        namespace: dict[str, Any] = {}
        tests = []
        for k, (params, name, leaf) in enumerate(held):
            namespace[f"params{k}"], namespace[f"held{k}"] = params, leaf
            tests.append(f"params{k}[{name!r}] is held{k}")  # a KeyError (it was deleted): False
        for k, (module, mode) in enumerate(modes):
            namespace[f"module{k}"] = module
            tests.append(f"module{k}.training is {mode!r}")
        for k, (leaf, (shape, dtype)) in enumerate(zip(plan.leaves, plan.leaf_shapes)):
            namespace[f"leaf{k}"], namespace[f"dtype{k}"] = leaf, dtype
            tests.append(f"leaf{k}.requires_grad and not leaf{k}._hooks")
            tests.append(f"(data := leaf{k}.data).shape == {shape!r}")
            tests.append(f"(data.dtype is dtype{k} or data.dtype == dtype{k})")
        for k, (state, (shape, dtype)) in enumerate(plan.states):  # a new array must fit the plan
            namespace[f"state{k}"], namespace[f"state_dtype{k}"] = state, dtype
            tests.append(f"(data := state{k}.data).shape == {shape!r}")
            tests.append(f"(data.dtype is state_dtype{k} or data.dtype == state_dtype{k})")
        body = " and ".join(f"({test})" for test in tests) or "True"
        self.guard_source = (
            f"def guards_hold():\n    try:\n        return bool({body})\n"
            "    except KeyError:\n        return False\n"
        )
        exec(builtins.compile(self.guard_source, "<ag.compile guards>", "exec"), namespace)
        self.guards_hold: Callable[[], bool] = namespace["guards_hold"]


def _module_guards(
    fn: Callable[..., Any], leaves: list[Tensor], called: list[Any]
) -> tuple[list[Any], list[Any]]:
    """Module-like objects (with `named_modules()`) that `fn` reaches through its closure, its globals
    or `self`, and those called while tracing (however `fn` reached them): where each holds a tensor
    of the plan, a leaf or a buffer read afresh (replacing that parameter or buffer re-traces), and
    each module's `training` flag (switching train/eval re-traces). Duck-typed: autograd does not
    import nn."""
    wanted = {id(leaf): leaf for leaf in leaves}
    held, modes, seen = [], [], set()
    for candidate in _reachable(fn, called):
        if not callable(getattr(candidate, "named_modules", None)):
            continue
        for _, module in candidate.named_modules():
            if id(module) in seen:
                continue
            seen.add(id(module))
            if isinstance(getattr(module, "training", None), bool) and type(module).__dict__.get(
                "reads_training", True
            ):  # not its own class saying that its forward never reads the flag (nn's layers)
                modes.append((module, module.training))
            for store in _stores(module):
                held.extend((store, name, t) for name, t in store.items() if id(t) in wanted)
    return held, modes


def _stores(module: Any) -> list[dict[str, Any]]:
    """A module's dicts of parameters and of buffers (duck-typed: those it has)."""
    stores = (getattr(module, "_parameters", None), getattr(module, "_buffers", None))
    return [store for store in stores if isinstance(store, dict)]


def _reachable(fn: Callable[..., Any], called: list[Any]) -> list[Any]:
    """What `fn` reaches besides its arguments: itself, `self`, its closure, the globals it names and
    the modules called while tracing."""
    candidates: list[Any] = [fn, getattr(fn, "__self__", None), *called]
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            candidates.append(cell.cell_contents)
        except ValueError:  # an empty cell
            pass
    code, globals_ = getattr(fn, "__code__", None), getattr(fn, "__globals__", {})
    if code is not None:
        candidates.extend(globals_.get(name) for name in code.co_names)
    return candidates


def _aliased(fn: Callable[..., Any], args: tuple[Any, ...], called: list[Any]) -> str | None:
    """Why a plan cannot be built when an argument's array is also a tensor that `fn` reaches another
    way (its closure or globals, a module's parameter or buffer): the trace cannot tell the two apart,
    so a replay given another argument would use it for both. None when no argument is."""
    arrays = {
        id(arg.data if isinstance(arg, Tensor) else arg): i
        for i, arg in enumerate(args)
        if isinstance(arg, (Tensor, np.ndarray))
    }
    for candidate in _reachable(fn, called):
        tensors = [("", candidate)]  # a Tensor itself; anything else is skipped below
        if callable(getattr(candidate, "named_modules", None)):
            for _, module in candidate.named_modules():
                for store in _stores(module):
                    tensors.extend((f" ({type(module).__name__}.{name})", t) for name, t in store.items())
        for where, tensor in tensors:
            position = arrays.get(id(tensor.data)) if isinstance(tensor, Tensor) else None
            if position is not None:
                return (
                    f"argument {position} holds the array of a tensor it also reaches otherwise{where}; "
                    "pass it only one way"
                )
    return None


def _key(args: tuple[Any, ...], grad_enabled: bool) -> Any:
    """Shapes, dtypes and requires_grad of the arrays; other arguments by value; which arrays are
    the same object; and whether grad mode is on. None when an argument cannot be keyed."""
    parts: list[Any] = [grad_enabled]
    arrays: list[int] = []
    for arg in args:
        if isinstance(arg, Tensor):
            if arg.grad_fn is not None:
                return None
            data = arg.data
            parts.append((data.shape, data.dtype, arg.requires_grad))
            arrays.append(id(data))
        elif type(arg) is _ndarray:
            parts.append((arg.shape, arg.dtype))
            arrays.append(id(arg))
        else:
            try:
                hash(arg)
            except TypeError:
                return None
            parts.append(("value", type(arg), arg))
    if len(arrays) > 1 and len(set(arrays)) < len(arrays):
        parts.append(tuple(arrays.index(a) for a in arrays))
    return tuple(parts)


def _matcher(key: Any) -> Callable[[tuple[Any, ...], bool], bool] | None:
    """Generated code: do these arguments and grad mode have `key`, as `_key` would find? Tests each
    argument's type, shape, dtype (by identity: an equal dtype that is another object fails, and the
    key is then built), `requires_grad`, and that the arrays are distinct objects. None for a key
    with a constant or a repeated array among its arguments."""
    grad_enabled, parts = key[0], key[1:]
    if any(type(part[0]) is not tuple for part in parts) or len(parts) > 6:  # a constant, or repeats
        return None
    namespace: dict[str, Any] = {"Tensor": Tensor, "_nd": _ndarray}
    lines = [
        f"    if grad_enabled is not {grad_enabled!r} or len(args) != {len(parts)}:",
        "        return False",
    ]
    for k, part in enumerate(parts):
        namespace[f"dtype{k}"] = part[1]
        if len(part) == 3:  # a Tensor
            lines += [
                f"    a = args[{k}]",
                f"    if type(a) is not Tensor or a.grad_fn is not None or a.requires_grad != {part[2]!r}:",
                "        return False",
                f"    d{k} = a.data",
            ]
        else:
            lines += [f"    d{k} = args[{k}]", f"    if type(d{k}) is not _nd:", "        return False"]
        lines += [f"    if d{k}.shape != {part[0]!r} or d{k}.dtype is not dtype{k}:", "        return False"]
    pairs = [f"d{i} is d{j}" for i in range(len(parts)) for j in range(i)]
    lines.append(f"    return not ({' or '.join(pairs)})" if pairs else "    return True")
    source = "def matches(args, grad_enabled):\n" + "\n".join(lines) + "\n"
    exec(builtins.compile(source, "<ag.compile argument check>", "exec"), namespace)
    return namespace["matches"]


def _backward(out: Any, fn: Callable[..., Any]) -> None:
    if not isinstance(out, Tensor):
        name = getattr(fn, "__qualname__", repr(fn))
        raise TypeError(
            f"ag.compile: {name} returned {type(out).__name__}; it must return the loss as a Tensor"
        )
    out.backward()


def compile(fn: Callable[..., Any] | None = None, *, cache_size: int = CACHE_SIZE) -> Any:  # noqa: A001
    """Trace `fn` (returning a scalar loss Tensor) once and replay it as NumPy: `step = ag.compile(fn)`,
    then `loss = step(*args)` runs forward and backward (leaves' `.grad` filled), `step(*args,
    backward=False)` only evaluates. Usable as `@ag.compile` or `@ag.compile(cache_size=...)`."""
    if fn is None:
        return lambda f: CompiledFunction(f, cache_size)
    return CompiledFunction(fn, cache_size)
