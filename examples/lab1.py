"""The back-propagation lab: train a 2-4-4-1 sigmoid MLP on the linear and the XOR data sets.

`python -m examples.lab1 [--dataset both] [--hidden 4 4] [--activation sigmoid] [--optimizer sgd]
[--lr 5] [--epochs 10000] [--loss mse] [--seed 0] [--out runs/lab1] [--quiet]`

Prints every sample's ground truth and prediction, the loss and accuracy, and writes to --out:
learning_curve.png, <data set>_result.png, graph.svg (graph.dot without Graphviz's `dot`),
model_<data set>.npz and report.md.
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
import time
from pathlib import Path

import numpy as np

import autograd as ag
import nn
from autograd import viz
from examples.lab.cli import require_writable_folder
from examples.lab.datasets import DATASETS, TITLES, load_dataset
from examples.lab.plots import plot_learning_curves, plot_result
from examples.lab.report import render_report
from examples.lab.training import (
    ACTIVATIONS,
    DEFAULT_LR,
    LOSSES,
    MOMENTUM,
    OPTIMIZERS,
    History,
    make_loss,
    make_model,
    make_optimizer,
    predict,
    train,
)

DEFAULT_EPOCHS = 10000


def build_parser() -> argparse.ArgumentParser:
    """The command line of the lab; every flag has the lab's setting as its default."""
    default_lrs = ", ".join(f"{name} {lr:g}" for name, lr in DEFAULT_LR.items())
    parser = argparse.ArgumentParser(
        prog="python -m examples.lab1",
        usage="%(prog)s [options]  (see --help)",  # keeps a bad flag's message to two short lines
        description=__doc__.splitlines()[0],
        allow_abbrev=False,
    )
    parser.add_argument("--dataset", choices=(*DATASETS, "both"), default="both", help="default: %(default)s")
    parser.add_argument("--hidden", type=int, nargs="+", default=[4, 4], metavar="UNITS", help="default: 4 4")
    parser.add_argument("--activation", choices=ACTIVATIONS, default="sigmoid", help="hidden layers (default: sigmoid)")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd", help="default: %(default)s")
    parser.add_argument("--lr", type=float, default=None, help=f"learning rate (default per optimizer: {default_lrs})")
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS, help="full-batch steps (default: %(default)s)")
    parser.add_argument("--loss", choices=LOSSES, default="mse", help="default: %(default)s")
    parser.add_argument("--seed", type=int, default=0, help="data and initial weights (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("runs/lab1"), help="output folder (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no per-sample lines")
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse and check the flags; a bad value ends the program with a one-line error and exit code 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.lr is None:
        args.lr = DEFAULT_LR[args.optimizer]
    if not (math.isfinite(args.lr) and args.lr > 0):
        parser.error(f"argument --lr: must be a positive finite number, got {args.lr}")
    if any(units < 1 for units in args.hidden):
        parser.error(
            f"argument --hidden: every hidden layer needs at least 1 unit, got {' '.join(map(str, args.hidden))}"
        )
    if args.epochs < 1:
        parser.error(f"argument --epochs: must be at least 1, got {args.epochs}")
    require_writable_folder(parser, args.out)
    return args


def print_predictions(probabilities: np.ndarray, labels: np.ndarray) -> None:
    """One line per sample, as the lab handout prints them."""
    for k, (probability, label) in enumerate(zip(probabilities.ravel(), labels.ravel()), start=1):
        print(f"Iter {k:3d} | Ground truth: {label:.0f} | prediction: {probability:.5f}")


def save_forward_graph(model: nn.Module, X: np.ndarray, y: np.ndarray, args: argparse.Namespace) -> str:
    """Draw one forward pass, loss included; SVG when Graphviz's `dot` is installed, else DOT source."""
    loss = make_loss(args.loss)(model(ag.Tensor(X, name="x")), ag.Tensor(y, name="y"))
    try:
        return viz.save_graph(loss, args.out / "graph.svg", params=model).name
    except viz.GraphvizNotFoundError:
        return viz.save_graph(loss, args.out / "graph.dot", params=model).name


def main(argv: list[str] | None = None) -> int:
    """Run the lab; returns the exit code (bad flags exit with 2 through `parser.error`)."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    started = time.perf_counter()
    names = DATASETS if args.dataset == "both" else (args.dataset,)
    sizes = [2, *args.hidden, 1]
    network = "-".join(map(str, sizes))
    histories: dict[str, History] = {}
    data_sizes: dict[str, int] = {}
    figures: list[tuple[str, str]] = []
    files: list[tuple[str, str]] = []

    for name in names:
        X, y = load_dataset(name, args.seed)
        model = make_model(args.hidden, args.activation, args.seed)
        optimizer = make_optimizer(args.optimizer, list(model.parameters()), args.lr)
        history = train(
            model, X, y, make_loss(args.loss), optimizer, args.epochs, description=name, progress=not args.quiet
        )
        histories[name], data_sizes[name] = history, len(X)
        if not args.quiet:
            print_predictions(predict(model, X), y)
        first = history.epochs_to_perfect
        print(
            f"{name}: loss {history.final_loss:.4e}, accuracy {history.final_accuracy:.2%} "
            f"({round(history.final_accuracy * len(X))}/{len(X)}), "
            f"100% from epoch {first if first is not None else 'never'}, trained in {history.seconds:.2f} s"
        )
        result_file = f"{name}_result.png"
        plot_result(
            lambda points, model=model: predict(model, points),
            X,
            y,
            args.out / result_file,
            f"{TITLES[name]}: MLP {network}, {args.activation}, {args.optimizer} lr={args.lr:g}",
        )
        figures.append((f"{TITLES[name]}: ground truth and prediction", result_file))
        model.save(args.out / f"model_{name}.npz")
        files.append((f"trained weights on {name} (`model.load(path)`)", f"model_{name}.npz"))

    plot_learning_curves(
        histories,
        args.out / "learning_curve.png",
        f"MLP {network} ({args.activation}), {args.optimizer} lr={args.lr:g}, {args.loss} loss, full batch",
    )
    figures.insert(0, ("Learning curves", "learning_curve.png"))
    graph_file = save_forward_graph(model, X, y, args)
    files.insert(0, (f"computational graph of one forward pass on {names[-1]}, loss included", graph_file))

    total_seconds = time.perf_counter() - started
    optimizer_name = f"{args.optimizer} (momentum {MOMENTUM})" if args.optimizer == "momentum" else args.optimizer
    settings = {
        "data sets": ", ".join(names),
        "network": f"MLP {network}, {args.activation} hidden layers, sigmoid output",
        "loss": args.loss,
        "optimizer": f"{optimizer_name}, learning rate {args.lr:g}, full batch",
        "epochs": args.epochs,
        "seed": args.seed,
    }
    command = "python -m examples.lab1" + "".join(" " + shlex.quote(arg) for arg in argv)
    report = render_report(command, settings, histories, data_sizes, figures, files, total_seconds)
    (args.out / "report.md").write_text(report, encoding="utf-8")
    print(f"wrote {args.out}/: report.md, {', '.join(name for _, name in figures + files)} ({total_seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
