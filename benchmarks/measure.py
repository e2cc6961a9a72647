"""Timing and memory probes run inside one engine's process: per-step times, peak memory increase.

Memory is measured two ways, and the table says which: `tracemalloc` sees every NumPy and Python
allocation (used for NumPy and ours); PyTorch allocates outside Python's allocator, so for it we
take the peak resident set size increase (VmHWM reset through /proc/self/clear_refs on Linux,
else a `resource.getrusage` maxrss delta, which only sees a new high-water mark).
"""

from __future__ import annotations

import gc
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from benchmarks.workloads import LOSS_STEPS, Scale


class Trainer(Protocol):
    def step(self) -> float: ...
    def grad_dtypes(self) -> list[str]: ...


class Chain(Protocol):
    def forward(self) -> Any: ...
    def backward(self, output: Any) -> np.ndarray: ...
    def values(self, output: Any) -> np.ndarray: ...


# ------------------------------------------------------------------ memory probes
def _status_kib(field: str) -> int | None:
    """A `VmRSS`/`VmHWM` line of /proc/self/status in KiB (None off Linux)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) for this process; False when not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def _maxrss_bytes() -> int:
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


class MemoryProbe:
    """`with MemoryProbe(method) as probe: ...` then `probe.peak` (bytes above the start) and
    `probe.current()` (bytes above the start, right now)."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.peak = 0
        self.label = method

    def __enter__(self) -> MemoryProbe:
        gc.collect()
        if self.method == "tracemalloc":
            tracemalloc.start()
            self._start = tracemalloc.get_traced_memory()[0]
        elif _reset_peak_rss() and _status_kib("VmRSS") is not None:
            self.label = "peak RSS (VmHWM)"
            self._start = _status_kib("VmRSS") * 1024
        else:
            self.label = "maxrss delta"
            self._start = _maxrss_bytes()
        return self

    def current(self) -> int:
        if self.method == "tracemalloc":
            return tracemalloc.get_traced_memory()[0] - self._start
        rss = _status_kib("VmRSS")
        return -1 if rss is None else rss * 1024 - self._start

    def _peak_now(self) -> int:
        if self.method == "tracemalloc":
            return tracemalloc.get_traced_memory()[1] - self._start
        if self.label == "maxrss delta":
            return _maxrss_bytes() - self._start
        return _status_kib("VmHWM") * 1024 - self._start

    def __exit__(self, *exc: Any) -> None:
        self.peak = self._peak_now()
        if self.method == "tracemalloc":
            tracemalloc.stop()


# ------------------------------------------------------------------ measurements
def summarize(samples: list[float]) -> dict[str, Any]:
    """Median, min and max of timing samples, and the samples (a later round adds to them)."""
    return {"median": float(np.median(samples)), "min": min(samples), "max": max(samples), "samples": samples}


def measure_training(make_trainer: Callable[[], Trainer], scale: Scale, large: bool, memory_method: str) -> dict:
    """The first LOSS_STEPS losses from the initial weights, then repeated timed blocks of steps.

    Peak memory is the increase during step 1, from the loaded weights to the updated ones (the
    grads it creates included): later steps reuse memory the allocator keeps, invisible to RSS."""
    trainer = make_trainer()
    with MemoryProbe(memory_method) as probe:
        losses = [trainer.step()]
    losses += [trainer.step() for _ in range(LOSS_STEPS - 1)]
    grad_dtypes = trainer.grad_dtypes()
    steps = scale.mlp_large_steps if large else scale.mlp_small_steps
    repeats = scale.mlp_large_repeats if large else scale.mlp_small_repeats
    per_step = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            trainer.step()
        per_step.append((time.perf_counter() - start) / steps)
    return {
        "check": [float(loss) for loss in losses],
        "grad_dtypes": grad_dtypes,
        "time_per_step": summarize(per_step),
        "peak_memory": probe.peak,
        "memory_method": probe.label,
        "steps_per_repeat": steps,
    }


def measure_chain(make_chain: Callable[[], Chain], ops: int, repeats: int) -> dict:
    """Forward (building the graph) and backward timed separately, in seconds per op."""
    chain = make_chain()
    output = chain.forward()
    grad = chain.backward(output)
    check = np.concatenate([chain.values(output).ravel()[:5], grad.ravel()[:5]])
    forward, backward = [], []
    for _ in range(repeats):
        del output
        start = time.perf_counter()
        output = chain.forward()
        middle = time.perf_counter()
        chain.backward(output)
        end = time.perf_counter()
        forward.append((middle - start) / ops)
        backward.append((end - middle) / ops)
    total = [f + b for f, b in zip(forward, backward)]
    return {
        "check": [float(v) for v in check],
        "forward_per_op": summarize(forward),
        "backward_per_op": summarize(backward),
        "total_per_op": summarize(total),
        "ops": ops,
    }


def measure_long_chain(make_chain: Callable[[], Chain], ops: int, repeats: int, memory_method: str) -> dict:
    """One traced run first (graph size, peak, what backward frees, what is left once the output is
    dropped: about nothing), while the process is fresh and its allocator holds no freed memory that
    would hide the graph from RSS; then W4's timings on the long chain."""
    chain = make_chain()
    with MemoryProbe(memory_method) as probe:
        output = chain.forward()
        graph = probe.current()
        chain.backward(output)
        after_backward = probe.current()
        del output
        gc.collect()
        after_drop = probe.current()
    result = measure_chain(make_chain, ops, repeats)
    result.update(
        graph_memory=graph,
        memory_after_backward=after_backward,
        memory_after_drop=after_drop,
        peak_memory=probe.peak,
        memory_method=probe.label,
    )
    return result
