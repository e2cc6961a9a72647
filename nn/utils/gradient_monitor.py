"""`GradientMonitor`: per-parameter gradient and weight statistics over training, and the
pictures people hand-write for PyTorch: gradient flow (mean and max |grad| per layer over the
steps) and weight / gradient histograms. Vanishing and exploding gradients become visible.

It records from a hook on each parameter, which sees the gradient of each backward pass as the
engine delivers it and returns nothing, so the gradients and the training are unchanged. A compiled
step (`ag.compile`) runs no hooks: watch it with `hooks=False` and call `record()` after each step,
which reads every parameter's `.grad` instead.
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag

_add, _maximum = np.add.reduce, np.maximum.reduce
STATS = ("grad_mean", "grad_max", "grad_norm", "weight_mean", "weight_max", "weight_norm")


class GradientMonitor:
    """Record, at every backward pass, per parameter: mean |grad|, max |grad|, ||grad||, and the
    same of the weight (as it is during that backward, i.e. before the optimizer step).

    monitor = nn.utils.GradientMonitor(model)
    ... train ...
    monitor.plot_gradient_flow("flow.png"); monitor.plot_histograms("hist.png"); monitor.remove()
    """

    def __init__(self, model: Any, histograms: bool = True, hooks: bool = True) -> None:
        named = list(model.named_parameters()) if hasattr(model, "named_parameters") else list(model.items())
        if not named:
            raise ValueError("GradientMonitor: the model has no parameters to watch")
        self.names = [name for name, _ in named]
        self.stats: dict[str, dict[str, list[float]]] = {name: {s: [] for s in STATS} for name in self.names}
        self.first: dict[
            str, tuple[np.ndarray, np.ndarray]
        ] = {}  # name -> (weight, grad) at its first backward
        self.last: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # and at its latest
        self.histograms = histograms
        self._named = named
        self._removers: list[Callable[[], None]] = (
            [p.register_hook(self._hook(n, p)) for n, p in named] if hooks else []
        )

    def record(self) -> None:
        """Record every parameter's `.grad` now, as a hook would have at the backward that filled it:
        for training that runs no hooks (`hooks=False`, e.g. an `ag.compile` step), call it after each
        backward, before the optimizer step. `.grad` is that backward's gradient when it was zeroed before."""
        for name, param in self._named:
            if param.grad is not None:
                self._record(name, param, param.grad.data)

    def _hook(self, name: str, param: ag.Tensor) -> Callable[[ag.Tensor], None]:
        def record(grad: ag.Tensor) -> None:
            self._record(name, param, grad.data)
            return None

        return record

    def _record(self, name: str, param: ag.Tensor, grad: np.ndarray) -> None:
        row = self.stats[name]
        for prefix, values in (("grad", grad), ("weight", param.data)):
            values = np.abs(np.asarray(values, dtype=np.float64))
            if values.size:  # the reductions of .mean() and .max(), without their Python wrappers
                row[f"{prefix}_mean"].append(float(_add(values, axis=None) / values.size))
                row[f"{prefix}_max"].append(float(_maximum(values, axis=None)))
            else:
                row[f"{prefix}_mean"].append(0.0)
                row[f"{prefix}_max"].append(0.0)
            row[f"{prefix}_norm"].append(float(np.sqrt(_add(values * values, axis=None))))
        if self.histograms:
            snapshot = (np.array(param.data, dtype=np.float64), np.array(grad, dtype=np.float64))
            self.first.setdefault(name, snapshot)
            self.last[name] = snapshot

    @property
    def steps(self) -> int:
        """The number of backward passes recorded (of the parameter seen most often)."""
        return max(len(row["grad_mean"]) for row in self.stats.values())

    def remove(self) -> None:
        """Detach the hooks; what was recorded stays."""
        for remover in self._removers:
            remover()
        self._removers = []

    def __enter__(self) -> GradientMonitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def summary(self) -> str:
        """One line per parameter: mean |grad| at the first and last step, max |grad| over all."""
        lines = [f"{'parameter':<24} {'mean|g| first':>14} {'mean|g| last':>13} {'max|g| all':>11}"]
        for name in self.names:
            row = self.stats[name]
            if row["grad_mean"]:
                first, last, top = row["grad_mean"][0], row["grad_mean"][-1], max(row["grad_max"])
                lines.append(f"{name:<24} {first:14.3e} {last:13.3e} {top:11.3e}")
        return "\n".join(lines)

    def plot_gradient_flow(
        self, path: str | os.PathLike[str] | None = None, title: str = "Gradient flow", figure: Any = None
    ) -> Any:
        """Left: mean |grad| of each weight over the steps (log scale). Right: per parameter, the mean
        and max |grad| over the run, in layer order. Draws into `figure` (a matplotlib Figure or
        SubFigure) or a new Figure, which it returns; writes it when `path` is given."""
        if figure is None:
            from matplotlib.figure import Figure

            figure = Figure(figsize=(10, 3.8), dpi=120, layout="constrained")
        over_time, per_layer = figure.subplots(1, 2)
        names = [n for n in self.names if self.stats[n]["grad_mean"]]
        for name in names:
            values = np.maximum(self.stats[name]["grad_mean"], 1e-30)
            over_time.plot(
                np.arange(1, len(values) + 1), values, label=name, linestyle="-" if "weight" in name else ":"
            )
        over_time.set(
            yscale="log", xlabel="step", ylabel="mean |grad| (log scale)", title="mean |grad| per parameter"
        )
        over_time.legend(fontsize=7, ncol=2)
        positions = np.arange(len(names))
        means = [np.mean(self.stats[n]["grad_mean"]) for n in names]
        maxima = [np.max(self.stats[n]["grad_max"]) for n in names]
        per_layer.bar(positions, maxima, color="#74c0fc", label="max |grad| (over the run)")
        per_layer.bar(
            positions, means, color="#1c7ed6", width=0.5, label="mean |grad| (average of the steps)"
        )
        per_layer.set_xticks(positions, names, rotation=60, ha="right", fontsize=7)
        per_layer.set(yscale="log", ylabel="|grad| (log scale)", title="per layer, input side first")
        per_layer.legend(fontsize=7)
        for axes in (over_time, per_layer):
            axes.grid(True, which="major", alpha=0.3)
        figure.suptitle(title, fontsize=11)
        return _saved(figure, path)

    def plot_histograms(self, path: str | os.PathLike[str] | None = None, bins: int = 30) -> Any:
        """Per parameter, histograms of the weights and of the gradients at the first and the last
        recorded step. Returns the Figure; writes it when `path` is given."""
        from matplotlib.figure import Figure

        if not self.last:
            raise RuntimeError(
                "GradientMonitor.plot_histograms: nothing recorded yet (histograms=False, or no backward)"
            )
        names = [n for n in self.names if n in self.last]
        figure = Figure(figsize=(8, 1.9 * len(names)), dpi=110, layout="constrained")
        axes = np.atleast_2d(figure.subplots(len(names), 2, squeeze=False))
        for row, name in zip(axes, names):
            for column, (what, index) in enumerate((("weight", 0), ("grad", 1))):
                first, last = self.first[name][index].ravel(), self.last[name][index].ravel()
                edges = np.histogram_bin_edges(np.concatenate([first, last]), bins=bins)  # one scale for both
                row[column].hist(first, bins=edges, alpha=0.5, label="first step")
                row[column].hist(last, bins=edges, alpha=0.5, label="last step")
                row[column].set_title(f"{name}: {what}", fontsize=8)
                row[column].tick_params(labelsize=7)
        axes[0][0].legend(fontsize=7)
        return _saved(figure, path)


def _saved(figure: Any, path: str | os.PathLike[str] | None) -> Any:
    """Write the figure to `path` (format from the extension) in one step, if a path is given."""
    if path is not None:
        path = Path(path)
        buffer = io.BytesIO()
        figure.savefig(buffer, format=path.suffix.lstrip(".") or "png")
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            temporary.write_bytes(buffer.getvalue())
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    return figure
