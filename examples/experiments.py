"""The lab's discussion as experiments, each a loss-curve comparison, a ground-truth-beside-prediction
grid and a table over seeds, and a report.md that answers the handout's questions with the numbers.

`python -m examples.experiments [--quick] [--seeds N] [--epochs N] [--only NAME ...] [--jobs N]
[--no-compile] [--out runs/experiments]`

--quick (for CI) trains fewer seeds and epochs. --jobs runs the independent (setting, seed) runs, each
identical run once, the CNN's seeds and the figures in that many worker processes (default: the cores
available); the results do not depend on it. The runs train through `ag.compile` (--no-compile:
eagerly, the same numbers).
Writes <experiment>.png, <experiment>_grid.png, cnn.png, results.md and report.md, and for the
no-activation and learning-rate questions <experiment>_gradient_flow.png (`nn.utils.GradientMonitor`
on seed 0 of each setting: vanishing and exploding gradients made visible).
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from examples.lab.bars import generate_bars, train_cnn
from examples.lab.bars import summary_table as cnn_table
from examples.lab.cli import positive_int, require_writable_folder
from examples.lab.datasets import DATASETS, load_dataset
from examples.lab.discussion import answers
from examples.lab.gradient_flow import describe, plot_gradient_flow
from examples.lab.model import INIT_WORDS
from examples.lab.plots import plot_cnn, plot_comparison, plot_prediction_grid
from examples.lab.staging import staged_folder
from examples.lab.sweep import Job, Setting, available_cores, run_jobs, summary_table
from examples.lab.training import DEFAULT_LR, History, stdout_is_terminal

LAB_LR = DEFAULT_LR["sgd"]
SHARED_LR = 0.1  # one learning rate for every optimizer, the low end of the lab reports' range
LINEAR_MODEL = {"activation": "none", "output_activation": "none"}  # every activation removed


@dataclass(frozen=True)
class Experiment:
    """A comparison: its title and the settings it trains on its data sets."""

    title: str
    settings: tuple[Setting, ...]
    datasets: tuple[str, ...] = DATASETS


EXPERIMENTS = {
    "learning_rate": Experiment(
        f"Learning rate: plain SGD (full batch), MLP 2-4-4-1 sigmoid, MSE, init {INIT_WORDS['normal']}",
        tuple(Setting(f"lr = {lr:g}", lr=lr) for lr in (30.0, LAB_LR, 0.1, 0.01, 0.001))
        + (Setting(f"lr = {LAB_LR:g}, PyTorch init", init="kaiming"),),
    ),
    "hidden_units": Experiment(
        f"Hidden units: SGD lr = {LAB_LR:g}, sigmoid, MSE",
        tuple(Setting(f"2-{a}-{b}-1", hidden=(a, b)) for a, b in ((2, 2), (4, 4), (6, 4), (6, 6), (10, 10), (16, 16))),
    ),
    "no_activation": Experiment(
        "Activations removed: sigmoid everywhere, none in the hidden layers, none at all (a linear model); SGD, MSE",
        (
            Setting(f"sigmoid, lr {LAB_LR:g}"),
            Setting(f"hidden none, lr {LAB_LR:g}", activation="none"),
            *(Setting(f"none at all, lr {lr:g}", lr=lr, **LINEAR_MODEL) for lr in (LAB_LR, 0.1, 0.01)),
        ),
    ),
    "optimizers_shared_lr": Experiment(
        f"Optimizers at one learning rate ({SHARED_LR:g}): MLP 2-4-4-1 sigmoid, MSE, full batch",
        tuple(Setting(name, optimizer=name, lr=SHARED_LR) for name in DEFAULT_LR),
    ),
    "optimizers": Experiment(
        "Optimizers, each at its own learning rate: MLP 2-4-4-1 sigmoid, MSE, full batch",
        tuple(Setting(f"{name} lr = {lr:g}", optimizer=name, lr=lr) for name, lr in DEFAULT_LR.items()),
    ),
    "activations": Experiment(
        f"Hidden activations: SGD lr = {SHARED_LR:g}, MLP 2-4-4-1, sigmoid output, MSE",
        tuple(Setting(name, activation=name, lr=SHARED_LR) for name in ("sigmoid", "tanh", "relu", "leaky_relu")),
    ),
    "loss": Experiment(
        f"Loss: MSE or binary cross-entropy, same network (2-4-4-1 sigmoid), SGD lr = {LAB_LR:g}",
        (Setting("MSE"), Setting("BCE", loss="bce")),
    ),
    "data_size": Experiment(
        f"Data size: 100 or 200 linear points, SGD lr = {LAB_LR:g}, 2-4-4-1 sigmoid, MSE (the mean over points)",
        (Setting("100 points"), Setting("200 points", n=200)),
        datasets=("linear",),
    ),
    "weights_and_biases": Experiment(
        f"Initial weights and biases: SGD lr = {LAB_LR:g}, 2-4-4-1 sigmoid, MSE",
        (
            Setting("N(0, 1), biases 0"),
            Setting("U[0, 1), biases 0", init="uniform"),
            Setting("PyTorch (Kaiming)", init="kaiming"),
            Setting("N(0, 1), no biases", bias=False),
        ),
    ),
}
MONITORED = ("no_activation", "learning_rate")  # seed 0 of each setting trains under a GradientMonitor
OUTPUT_FILES = (
    "results.md", "report.md", "cnn.png", *(f"{name}{suffix}.png" for name in EXPERIMENTS for suffix in ("", "_grid")),
    *(f"{name}_gradient_flow.png" for name in MONITORED),
)  # fmt: skip
FULL = {"seeds": 5, "epochs": 10000, "cnn_epochs": 40}
QUICK = {"seeds": 2, "epochs": 2000, "cnn_epochs": 20}
Submit = Callable[..., Future]  # `pool.submit`, or `run_now` without worker processes


def build_parser() -> argparse.ArgumentParser:
    """The command line; --seeds and --epochs override the --quick or full budgets."""
    parser = argparse.ArgumentParser(
        prog="python -m examples.experiments",
        usage="%(prog)s [options]  (see --help)",
        description=__doc__.splitlines()[0],
        allow_abbrev=False,
    )
    parser.add_argument("--quick", action="store_true", help=f"CI budget {QUICK} instead of {FULL}")
    parser.add_argument("--seeds", type=positive_int, default=None, help="seeds per setting")
    parser.add_argument("--epochs", type=positive_int, default=None, help="epochs per MLP run")
    parser.add_argument("--cnn-epochs", type=positive_int, default=None, help="epochs of the CNN")
    parser.add_argument("--only", nargs="+", choices=(*EXPERIMENTS, "cnn"), help="run only these experiments")
    parser.add_argument("--jobs", type=positive_int, default=None, help="worker processes (default: the cores)")
    parser.add_argument(
        "--compile",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="train through ag.compile (default: on; --no-compile: eagerly, the same numbers)",
    )
    parser.add_argument("--out", type=Path, default=Path("runs/experiments"), help="default: %(default)s")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse and fill the budget; a bad value exits with a one-line error (code 2)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    budget = QUICK if args.quick else FULL
    for key in budget:
        if getattr(args, key) is None:
            setattr(args, key, budget[key])
    if args.jobs is None:
        args.jobs = available_cores()
    require_writable_folder(parser, args.out)
    return args


def fastest(results: dict[str, dict[str, list[History]]]) -> str:
    """A sentence naming, per data set, the setting with the fewest median epochs to 100%, if any."""
    sentences = []
    for dataset, by_setting in results.items():
        medians = {}
        for label, histories in by_setting.items():
            reached = [h.epochs_to_perfect for h in histories]
            if all(epochs is not None for epochs in reached):
                medians[label] = float(np.median(reached))
        if medians:
            best = min(medians, key=medians.get)
            sentences.append(f"on {dataset}, {best} (median {medians[best]:.0f} epochs)")
        else:
            sentences.append(f"on {dataset}, none: no setting reaches 100% on every seed")
    return "Fastest to a lasting 100% on every seed: " + "; ".join(sentences) + "."


def plan(chosen: list[str], args: argparse.Namespace) -> list[Job]:
    """Every run of the chosen experiments; seed 0 keeps its trained model for the grid figure and,
    for the MONITORED questions, records its gradient flow."""
    return [
        Job(
            setting,
            dataset,
            seed,
            args.epochs,
            keep_model=seed == 0,
            monitor=seed == 0 and name in MONITORED,
            compiled=args.compile,
        )  # fmt: skip
        for name in chosen
        for dataset in EXPERIMENTS[name].datasets
        for setting in EXPERIMENTS[name].settings
        for seed in range(args.seeds)
    ]


def write_experiment(
    name: str, outputs: dict, args: argparse.Namespace, out: Path, submit: Submit
) -> tuple[list[str], dict, str | None, list[Future]]:
    """Submit the drawing of the experiment's figures; return its results.md section, its results, for a
    MONITORED question the sentence its gradient flow measured, and the figures' futures."""
    experiment = EXPERIMENTS[name]
    results: dict[str, dict[str, list[History]]] = {dataset: {} for dataset in experiment.datasets}
    rows: dict[str, list] = {dataset: [] for dataset in experiment.datasets}
    flows: dict[str, dict] = {dataset: {} for dataset in experiment.datasets}
    for dataset in experiment.datasets:
        for setting in experiment.settings:
            runs = [outputs[(setting, dataset, seed)] for seed in range(args.seeds)]
            results[dataset][setting.label] = [run.history for run in runs]
            X, y = load_dataset(dataset, 0, setting.n)
            rows[dataset].append((setting.label, X, y, setting.predict(runs[0].state)))
            flows[dataset][setting.label] = runs[0].flow
    figures = [
        submit(plot_comparison, results, out / f"{name}.png", experiment.title),
        submit(plot_prediction_grid, rows, out / f"{name}_grid.png", experiment.title),
    ]
    flow_sentence, flow_lines = None, []
    if name in MONITORED:
        figures.append(submit(plot_gradient_flow, flows, results, out / f"{name}_gradient_flow.png", experiment.title))
        flow_sentence = f"{describe(flows, results)} ([{name}_gradient_flow.png]({name}_gradient_flow.png))"
        flow_lines = [f"![{name}: gradient flow]({name}_gradient_flow.png)", "", flow_sentence, ""]
    section = [
        f"## {experiment.title}",
        "",
        f"![{name}]({name}.png)",
        "",
        f"![{name}: ground truth and predictions]({name}_grid.png)",
        "",
        summary_table(results),
        "",
        fastest(results),
        "",
        *flow_lines,
        f"Settings: {'; '.join(setting.describe() for setting in experiment.settings)}.",
        "",
    ]
    return section, results, flow_sentence, figures


def start_cnn(args: argparse.Namespace, submit: Submit) -> list[Future]:
    """Submit the small CNN's training, once per seed."""
    return [submit(train_cnn, seed, args.cnn_epochs, compiled=args.compile) for seed in range(args.seeds)]


def write_cnn(trainings: list[Future], out: Path, submit: Submit) -> tuple[list[str], Future]:
    """Submit cnn.png once the CNN's seeds are trained; return the markdown section and the figure's future."""
    histories = [training.result() for training in trainings]
    images, labels = generate_bars(32, np.random.default_rng(0))
    figure = submit(plot_cnn, histories, images, labels, out / "cnn.png")
    seconds = sum(history.seconds for history in histories)
    section = [
        "## Small CNN: horizontal or vertical bar in a noisy 8x8 image",
        "",
        "![cnn](cnn.png)",
        "",
        cnn_table(histories),
        "",
        "Conv2d(1, 4, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(64, 1), BCE with logits, "
        f"Adam lr 0.01, batches of 32 from 256 training images, tested on 256 others. ({seconds:.1f} s of training)",
        "",
    ]
    return section, figure


def run_now(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
    """`fn(*args, **kwargs)` called here, as a finished Future (what `--jobs 1` submits to)."""
    future: Future = Future()
    future.set_result(fn(*args, **kwargs))
    return future


def run(args: argparse.Namespace, argv: list[str], out: Path) -> float:
    """Train everything, write every file into `out`; return the wall time. With --jobs N > 1 the runs,
    the CNN seeds and the figures all go to one pool of N worker processes."""
    started = time.perf_counter()
    chosen = args.only or [*EXPERIMENTS, "cnn"]
    mlp_names = [name for name in chosen if name != "cnn"]
    jobs = plan(mlp_names, args)
    with ProcessPoolExecutor(args.jobs) if args.jobs > 1 else contextlib.nullcontext() as pool:
        submit: Submit = run_now if pool is None else pool.submit
        cnn_trainings = start_cnn(args, submit) if "cnn" in chosen else None  # first: trains before the runs
        unique = len({(job.setting.key(), job.dataset, job.seed) for job in jobs})  # what run_jobs trains
        with tqdm(total=unique, desc="runs", unit="run", disable=args.quiet or not stdout_is_terminal()) as bar:
            results_list = run_jobs(jobs, args.jobs, progress=lambda done: bar.update(done - bar.n), pool=pool)
        outputs = {(job.setting, job.dataset, job.seed): result for job, result in zip(jobs, results_list)}
        sections: list[str] = []
        all_results, flow_sentences, figures = {}, {}, []
        for name in mlp_names:
            section, all_results[name], flow_sentences[name], drawn = write_experiment(name, outputs, args, out, submit)
            sections += section
            figures += drawn
        if cnn_trainings is not None:
            section, drawn = write_cnn(cnn_trainings, out, submit)
            sections += section
            figures.append(drawn)
        for figure in figures:
            figure.result()  # a drawing's error is raised here
    total = time.perf_counter() - started
    command = "python -m examples.experiments" + "".join(" " + shlex.quote(arg) for arg in argv)
    budget = (
        f"{args.seeds} seeds per setting (the seed draws the linear data set and the initial weights), "
        f"{args.epochs} full-batch epochs per MLP run, {args.cnn_epochs} CNN epochs, {args.jobs} worker processes, "
        f"{'compiled (ag.compile)' if args.compile else 'eager (--no-compile)'}. "
        f"Total {total:.0f} s."
    )
    header = [
        "# The lab's discussion: experiments",
        "",
        f"Command: `{command}`. {budget}",
        "",
        "Final loss and accuracy are after the last epoch. Epochs to 100% is the epoch from which every point stays "
        "classified correctly, the median over the seeds that got there. A run whose loss becomes inf or NaN is "
        "stopped and counted as diverged.",
        "",
    ]
    (out / "results.md").write_text("\n".join(header + sections), encoding="utf-8")
    report = answers(all_results, args.epochs, f"Command: `{command}`. {budget}", flow_sentences)
    (out / "report.md").write_text(report, encoding="utf-8")
    return total


def main(argv: list[str] | None = None) -> int:
    """Run the chosen experiments and write the figures, results.md and report.md to --out."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    try:
        with staged_folder(args.out, OUTPUT_FILES) as staging:
            total = run(args, argv, staging)
    except KeyboardInterrupt:
        print(f"interrupted: {args.out} was left as it was", file=sys.stderr)
        return 130
    print(f"wrote {args.out}/: results.md, report.md and the figures in {total:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
