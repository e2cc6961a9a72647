"""The lab's discussion as experiments: learning rate, hidden units, no activation, optimizers,
activations, and a small CNN, each a comparison figure and a table averaged over seeds.

`python -m examples.experiments [--quick] [--seeds N] [--epochs N] [--only NAME ...] [--out runs/experiments]`

--quick (for CI) trains fewer seeds and epochs. Writes <experiment>.png, cnn.png and results.md.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from examples.lab.bars import generate_bars, train_cnn
from examples.lab.bars import summary_table as cnn_table
from examples.lab.cli import require_writable_folder
from examples.lab.datasets import DATASETS
from examples.lab.plots import plot_cnn, plot_comparison
from examples.lab.sweep import Setting, run_setting, summary_table
from examples.lab.training import DEFAULT_LR, History

LAB_LR = DEFAULT_LR["sgd"]
ACTIVATION_LR = 1.0  # one learning rate at which every hidden activation trains with plain SGD


@dataclass(frozen=True)
class Experiment:
    """A comparison: its title and the settings it trains on both data sets."""

    title: str
    settings: tuple[Setting, ...]


EXPERIMENTS = {
    "learning_rate": Experiment(
        "Learning rate: plain SGD (full batch), MLP 2-4-4-1 sigmoid, MSE",
        (Setting(f"lr = {LAB_LR:g} (lab default)", lr=LAB_LR),)
        + tuple(Setting(f"lr = {lr:g}", lr=lr) for lr in (1.0, 0.1, 0.01, 0.001)),
    ),
    "hidden_units": Experiment(
        f"Hidden units: SGD lr = {LAB_LR:g}, sigmoid, MSE",
        tuple(Setting(f"2-{h}-{h}-1", hidden=(h, h), lr=LAB_LR) for h in (2, 4, 16)),
    ),
    "no_activation": Experiment(
        f"Sigmoid hidden layers or none (linear layers, sigmoid output): SGD lr = {LAB_LR:g}, MLP 2-4-4-1, MSE",
        (Setting("sigmoid", lr=LAB_LR), Setting("no activation", activation="none", lr=LAB_LR)),
    ),
    "optimizers": Experiment(
        "Optimizers, each at its own learning rate: MLP 2-4-4-1 sigmoid, MSE, full batch",
        tuple(Setting(f"{name} lr = {DEFAULT_LR[name]:g}", optimizer=name, lr=DEFAULT_LR[name]) for name in DEFAULT_LR),
    ),
    "activations": Experiment(
        f"Hidden activations: SGD lr = {ACTIVATION_LR:g}, MLP 2-4-4-1, sigmoid output, MSE",
        tuple(Setting(name, activation=name, lr=ACTIVATION_LR) for name in ("sigmoid", "tanh", "relu", "leaky_relu")),
    ),
}
FULL = {"seeds": 5, "epochs": 10000, "cnn_epochs": 40}
QUICK = {"seeds": 3, "epochs": 2000, "cnn_epochs": 20}


def build_parser() -> argparse.ArgumentParser:
    """The command line; --seeds and --epochs override the --quick or full budgets."""
    parser = argparse.ArgumentParser(
        prog="python -m examples.experiments",
        usage="%(prog)s [options]  (see --help)",
        description=__doc__.splitlines()[0],
        allow_abbrev=False,
    )
    parser.add_argument("--quick", action="store_true", help=f"CI budget {QUICK} instead of {FULL}")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per setting")
    parser.add_argument("--epochs", type=int, default=None, help="epochs per MLP run")
    parser.add_argument("--cnn-epochs", type=int, default=None, help="epochs of the CNN")
    parser.add_argument("--only", nargs="+", choices=(*EXPERIMENTS, "cnn"), help="run only these experiments")
    parser.add_argument("--out", type=Path, default=Path("runs/experiments"), help="default: %(default)s")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse, fill the budget, and check it; a bad value exits with a one-line error (code 2)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    budget = QUICK if args.quick else FULL
    for key in budget:
        if getattr(args, key) is None:
            setattr(args, key, budget[key])
        if getattr(args, key) < 1:
            parser.error(f"argument --{key.replace('_', '-')}: must be at least 1, got {getattr(args, key)}")
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


def run_experiment(name: str, experiment: Experiment, args: argparse.Namespace) -> list[str]:
    """Train every setting on both data sets and seeds; write the figure; return the markdown section."""
    seeds = range(args.seeds)
    started = time.perf_counter()
    results: dict[str, dict[str, list[History]]] = {dataset: {} for dataset in DATASETS}
    runs = [(dataset, setting) for dataset in DATASETS for setting in experiment.settings]
    for dataset, setting in tqdm(runs, desc=name, unit="setting", disable=args.quiet):
        results[dataset][setting.label] = run_setting(setting, dataset, seeds, args.epochs)
    plot_comparison(results, args.out / f"{name}.png", experiment.title)
    seconds = time.perf_counter() - started
    return [
        f"## {experiment.title}",
        "",
        f"![{name}]({name}.png)",
        "",
        summary_table(results),
        "",
        fastest(results),
        "",
        f"Settings: {'; '.join(setting.describe() for setting in experiment.settings)}. ({seconds:.1f} s)",
        "",
    ]


def run_cnn(args: argparse.Namespace) -> list[str]:
    """Train the small CNN once per seed; write cnn.png; return the markdown section."""
    started = time.perf_counter()
    seeds = tqdm(range(args.seeds), desc="cnn", unit="seed", disable=args.quiet)
    histories = [train_cnn(seed, args.cnn_epochs) for seed in seeds]
    images, labels = generate_bars(32, np.random.default_rng(0))
    plot_cnn(histories, images, labels, args.out / "cnn.png")
    seconds = time.perf_counter() - started
    return [
        "## Small CNN: horizontal or vertical bar in a noisy 8x8 image",
        "",
        "![cnn](cnn.png)",
        "",
        cnn_table(histories),
        "",
        "Conv2d(1, 4, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(64, 1), BCE with logits, "
        f"Adam lr 0.01, batches of 32 from 256 training images, tested on 256 others. ({seconds:.1f} s)",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the chosen experiments and write the figures and results.md to --out."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    started = time.perf_counter()
    chosen = args.only or [*EXPERIMENTS, "cnn"]
    sections = []
    for name in chosen:
        sections += run_cnn(args) if name == "cnn" else run_experiment(name, EXPERIMENTS[name], args)
    total = time.perf_counter() - started
    command = "python -m examples.experiments" + "".join(" " + shlex.quote(arg) for arg in argv)
    header = [
        "# The lab's discussion: experiments",
        "",
        f"Command: `{command}`. {args.seeds} seeds per setting (the seed draws the linear data set and the "
        f"initial weights), {args.epochs} full-batch epochs per MLP run, {args.cnn_epochs} CNN epochs. "
        f"Total {total:.0f} s.",
        "",
        "Final loss and accuracy are after the last epoch. Epochs to 100% is the epoch from which every point stays "
        "classified correctly, the median over the seeds that got there.",
        "",
    ]
    (args.out / "results.md").write_text("\n".join(header + sections), encoding="utf-8")
    print(f"wrote {args.out}/results.md and {len(chosen)} figures in {total:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
