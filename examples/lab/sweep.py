"""Multi-seed comparisons of training settings on the lab's data sets, run in worker processes,
and their markdown table.

Every (setting, data set, seed) run is independent and fixed by its seed, so the results are
the same whatever the number of workers."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from typing import NamedTuple

import numpy as np

import autograd as ag
import nn
from examples.lab.datasets import LINEAR_POINTS, load_dataset
from examples.lab.model import make_model
from examples.lab.training import (
    DEFAULT_LR,
    AutogradGradients,
    History,
    make_gradients,
    make_optimizer,
    to_probability,
    train,
)

Flow = dict[str, np.ndarray]  # weight name (input side first) -> mean |grad| at each training step
Results = Mapping[str, Mapping[str, Sequence[History]]]  # data set -> setting label -> one History per seed


@dataclass(frozen=True)
class Setting:
    """One line of a comparison: what it trains (the lab's defaults otherwise)."""

    label: str
    hidden: tuple[int, ...] = (4, 4)
    activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    bias: bool = True
    init: str = "normal"
    optimizer: str = "sgd"
    lr: float = DEFAULT_LR["sgd"]
    loss: str = "mse"
    n: int = LINEAR_POINTS

    def describe(self) -> str:
        """The full setting in words, for tables."""
        network = "-".join(map(str, (2, *self.hidden, 1)))
        bias = "" if self.bias else " no bias"
        return (
            f"MLP {network} {self.activation}/{self.output_activation}{bias}, init {self.init}, "
            f"{self.optimizer} lr={self.lr:g}, {self.loss}"
        )

    def key(self) -> tuple:
        """What the run depends on (not the label): equal keys train identically."""
        return tuple(value for name, value in asdict(self).items() if name != "label")

    def predict(self, state: dict[str, np.ndarray]) -> TrainedNetwork:
        """The trained network of `state` as a function from points to P(label 1)."""
        return TrainedNetwork(self, state)


@dataclass(frozen=True)
class TrainedNetwork:
    """A setting's network with the trained parameters `state`, called on points: P(label 1). It is
    rebuilt at each call, so it pickles as its setting and arrays (figures are drawn in worker processes)."""

    setting: Setting
    state: dict[str, np.ndarray]

    def __call__(self, points: np.ndarray) -> np.ndarray:
        s = self.setting
        model = make_model(s.hidden, s.activation, 0, s.output_activation, s.bias, s.init)
        for name, parameter in model.named_parameters():
            parameter.data[...] = self.state[name]
        with ag.no_grad(), np.errstate(all="ignore"):
            return to_probability(model(ag.Tensor(points)).data, s.loss, s.output_activation)


@dataclass(frozen=True)
class Job:
    """One training run: a setting on a data set with a seed, for `epochs` full-batch epochs."""

    setting: Setting
    dataset: str
    seed: int
    epochs: int
    keep_model: bool = False  # return the trained parameters (for the prediction figures)
    monitor: bool = False  # record the gradient flow with nn.utils.GradientMonitor (read-only)
    compiled: bool = True  # train through ag.compile (else eagerly: the same numbers)


class RunOutput(NamedTuple):
    """What a run returns: its History, the trained parameters if kept, the gradient flow if monitored."""

    history: History
    state: dict[str, np.ndarray] | None = None
    flow: Flow | None = None


class Monitored:
    """A gradient source whose every step is recorded by a GradientMonitor (`monitor.record()` reads the
    parameters' `.grad`: a compiled step runs no hooks); the evaluation is not recorded."""

    def __init__(self, gradients: AutogradGradients, monitor: nn.utils.GradientMonitor) -> None:
        self.gradients, self.monitor = gradients, monitor

    def __call__(self, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        result = self.gradients(X, y)
        self.monitor.record()
        return result

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        return self.gradients.evaluate(X, y)


def run_job(job: Job) -> RunOutput:
    """Train one run with autograd; return its History and, if asked, the trained parameters and gradient flow."""
    s = job.setting
    X, y = load_dataset(job.dataset, job.seed, s.n)
    model = make_model(s.hidden, s.activation, job.seed, s.output_activation, s.bias, s.init)
    gradients = make_gradients("autograd", model, s.loss, s.activation, s.output_activation, job.compiled)
    optimizer = make_optimizer(s.optimizer, list(model.parameters()), s.lr)
    monitor = None
    if job.monitor:
        weights = {name: p for name, p in model.named_parameters() if name.endswith("weight")}
        monitor = nn.utils.GradientMonitor(weights, histograms=False, hooks=False)
        gradients = Monitored(gradients, monitor)
    history = train(
        gradients, optimizer, X, y, job.epochs, seed=job.seed,
        to_probability=lambda output: to_probability(output, s.loss, s.output_activation),
    )  # fmt: skip
    flow = None if monitor is None else {name: np.array(monitor.stats[name]["grad_mean"]) for name in monitor.names}
    state = {name: p.data.copy() for name, p in model.named_parameters()} if job.keep_model else None
    return RunOutput(history, state, flow)


def available_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_jobs(
    jobs: Sequence[Job],
    workers: int,
    progress: Callable[[int], None] = lambda done: None,
    pool: Executor | None = None,
) -> list[RunOutput]:
    """`run_job` over `jobs` in `pool`, or in `workers` processes (1: in this one), results in the jobs'
    order. Identical jobs (same setting key, data set, seed, epochs) are trained once."""
    unique: dict[tuple, Job] = {}
    for job in jobs:
        key = (job.setting.key(), job.dataset, job.seed, job.epochs)
        kept = unique.get(key)
        unique[key] = (
            job
            if kept is None
            else replace(kept, keep_model=kept.keep_model or job.keep_model, monitor=kept.monitor or job.monitor)
        )
    keys, todo = list(unique), list(unique.values())
    outputs: list[RunOutput] = []
    if pool is None and workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as own:
            return run_jobs(jobs, workers, progress, own)
    for output in map(run_job, todo) if pool is None else pool.map(run_job, todo, chunksize=1):
        outputs.append(output)
        progress(len(outputs))
    by_key = dict(zip(keys, outputs))
    return [by_key[(job.setting.key(), job.dataset, job.seed, job.epochs)] for job in jobs]


def seed_label(histories: Sequence[History]) -> str:
    """How many seeds reached a lasting 100%, and the median epoch they got there."""
    reached = [h.epochs_to_perfect for h in histories if h.epochs_to_perfect is not None]
    return f"{np.median(reached):.0f} ({len(reached)}/{len(histories)} seeds)" if reached else "never"


def summary_row(label: str, dataset: str, histories: Sequence[History]) -> str:
    """One markdown table row: final loss (mean ± sd), accuracy (mean, worst), epochs to 100% (median);
    diverged seeds are counted, not averaged."""
    finite = [h for h in histories if not h.diverged]
    diverged = len(histories) - len(finite)
    note = f"diverged {diverged}/{len(histories)} seeds"
    if not finite:
        return f"| {label} | {dataset} | {note} | {note} | never |"
    losses = np.array([h.final_loss for h in finite])
    accuracies = 100 * np.array([h.final_accuracy for h in finite])
    extra = f"; {note}" if diverged else ""
    return (
        f"| {label} | {dataset} | {losses.mean():.2e} ± {losses.std():.1e}{extra} | "
        f"{accuracies.mean():.1f}% (worst {accuracies.min():.0f}%) | {seed_label(histories)} |"
    )


def summary_table(results: Results) -> str:
    """The markdown table of a comparison, one row per setting and data set."""
    lines = [
        "| setting | data set | final loss (mean ± sd) | accuracy (mean, worst) | epochs to 100% (median) |",
        "|---|---|---|---|---|",
    ]
    for dataset, by_setting in results.items():
        lines += [summary_row(label, dataset, histories) for label, histories in by_setting.items()]
    return "\n".join(lines)


def band(curves: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Geometric mean, minimum and maximum over seeds of positive curves (losses on a log axis);
    a diverged seed's missing epochs (NaN) are left out."""
    stacked = np.maximum(np.stack(list(curves)), np.finfo(float).tiny)
    finite = np.where(np.isfinite(stacked), stacked, np.nan)
    with warnings.catch_warnings():  # an epoch that every seed is missing stays NaN, silently
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.exp(np.nanmean(np.log(finite), axis=0)), np.nanmin(finite, axis=0), np.nanmax(finite, axis=0)
