"""The back-propagation lab: train a 2-4-4-1 sigmoid MLP on the linear and the XOR data sets.

`python -m examples.lab1 [--dataset both] [--hidden 4 4] [--init normal] [--lr 1] [--epochs 10000]
[--backprop autograd|hand] [--no-compile] [--seed 0] [--out runs/lab1] ...` (see --help)

The defaults are the handout's: weights N(0, 1) and zero biases, sigmoid everywhere, MSE, plain
SGD on the full batch; autograd's steps run through `ag.compile` (--no-compile: eagerly, the same
numbers). Prints `epoch N loss L` lines, every sample's ground truth and prediction
and the accuracy, and writes to --out: learning_curve.png, <data set>_result.png, graph.svg
(graph.dot without Graphviz's `dot`), backprop.gif (the backward pass animated; skipped without
`dot`), model_<data set>.npz and report.md. The files are written
beside --out and moved into place at the end, so Ctrl-C (exit code 130) leaves --out as it was.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np

import autograd as ag
import nn
from autograd import viz
from examples.backprop_animation import write_backprop_gif
from examples.lab.cli import non_negative_int, positive_float, positive_int, require_writable_folder
from examples.lab.datasets import DATASETS, LINEAR_POINTS, load_dataset, title
from examples.lab.model import INIT_WORDS, INITS, make_model
from examples.lab.plots import plot_learning_curves, plot_result
from examples.lab.report import BackpropCheck, render_report
from examples.lab.staging import staged_folder
from examples.lab.training import (
    ACTIVATIONS,
    BACKPROPS,
    DEFAULT_EPOCHS,
    DEFAULT_LR,
    LOSSES,
    MOMENTUM,
    OPTIMIZERS,
    OUTPUT_ACTIVATIONS,
    History,
    default_print_every,
    make_gradients,
    make_loss,
    make_optimizer,
    predict,
    stdout_is_terminal,
    to_probability,
    train,
)

OUTPUT_FILES = (
    "report.md", "learning_curve.png", "graph.svg", "graph.dot", "backprop.gif",
    *(f"{name}_result.png" for name in DATASETS), *(f"model_{name}.npz" for name in DATASETS),
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The command line of the lab; every flag has the lab's setting as its default."""
    default_lrs = ", ".join(f"{name} {lr:g}" for name, lr in DEFAULT_LR.items())
    parser = argparse.ArgumentParser(
        prog="python -m examples.lab1",
        usage="%(prog)s [options]  (see --help)",  # keeps a bad flag's message to two short lines
        description=__doc__.splitlines()[0],
        allow_abbrev=False,
    )
    add = parser.add_argument
    add("--dataset", choices=(*DATASETS, "both"), default="both", help="default: %(default)s")
    add("--n", type=positive_int, default=LINEAR_POINTS, help="points of the linear set (default: %(default)s)")
    add("--hidden", type=positive_int, nargs="+", default=[4, 4], metavar="UNITS", help="default: 4 4")
    add("--activation", choices=ACTIVATIONS, default="sigmoid", help="hidden layers (default: sigmoid)")
    add("--output-activation", choices=OUTPUT_ACTIVATIONS, default="sigmoid", help="default: %(default)s")
    add("--bias", action=argparse.BooleanOptionalAction, default=True, help="biases in every layer (default: on)")
    add("--init", choices=INITS, default="normal", help="initial weights: " + "; ".join(
        f"{name}: {words}" for name, words in INIT_WORDS.items()) + " (default: normal)")  # fmt: skip
    add("--optimizer", choices=OPTIMIZERS, default="sgd", help="default: %(default)s")
    add("--lr", type=positive_float, default=None, help=f"learning rate (default per optimizer: {default_lrs})")
    add("--epochs", type=positive_int, default=DEFAULT_EPOCHS, help="passes over the data (default: %(default)s)")
    add("--batch-size", type=positive_int, default=None, help="samples per step (default: the full batch)")
    add("--loss", choices=LOSSES, default="mse", help="default: %(default)s")
    add("--backprop", choices=BACKPROPS, default="autograd", help="who computes the gradients (default: autograd)")
    add("--compile", action=argparse.BooleanOptionalAction, default=True,
        help="autograd through ag.compile (default: on; --no-compile runs it eagerly, the same numbers)")  # fmt: skip
    add("--print-every", type=non_negative_int, default=None, help="epochs between loss lines (0: none; "
        "default: 5000, or a tenth of a shorter run)")  # fmt: skip
    add("--seed", type=non_negative_int, default=0, help="data, initial weights, batch order (default: 0)")
    add("--out", type=Path, default=Path("runs/lab1"), help="output folder (default: %(default)s)")
    add("--quiet", action="store_true", help="no progress bar, loss lines or per-sample lines")
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse and check the flags; a bad value ends the program with a one-line error and exit code 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.lr is None:
        args.lr = DEFAULT_LR[args.optimizer]
    if args.print_every is None:
        args.print_every = default_print_every(args.epochs)
    if args.quiet:
        args.print_every = 0
    require_writable_folder(parser, args.out)
    return args


def print_predictions(probabilities: np.ndarray, labels: np.ndarray) -> None:
    """One line per sample, as the lab handout prints them."""
    for k, (probability, label) in enumerate(zip(probabilities.ravel(), labels.ravel()), start=1):
        print(f"Iter {k:3d} | Ground truth: {label:.0f} | prediction: {probability:.5f}")


def train_once(
    name: str, args: argparse.Namespace, backprop: str, verbose: bool
) -> tuple[History, nn.MLP, np.ndarray, np.ndarray]:
    """Train a fresh model of the seed on the named data set with the given backprop."""
    X, y = load_dataset(name, args.seed, args.n)
    model = make_model(args.hidden, args.activation, args.seed, args.output_activation, args.bias, args.init)
    gradients = make_gradients(backprop, model, args.loss, args.activation, args.output_activation, args.compile)
    optimizer = make_optimizer(args.optimizer, list(model.parameters()), args.lr)
    history = train(
        gradients, optimizer, X, y, args.epochs, args.batch_size, args.seed,
        to_probability=lambda output: to_probability(output, args.loss, args.output_activation),
        description=name, progress=verbose and stdout_is_terminal(), print_every=args.print_every if verbose else 0,
    )  # fmt: skip
    return history, model, X, y


def save_forward_graph(model: nn.Module, X: np.ndarray, y: np.ndarray, args: argparse.Namespace, out: Path) -> str:
    """Draw one forward pass, loss included; SVG when Graphviz's `dot` is installed, else DOT source."""
    loss = make_loss(args.loss, args.output_activation)(model(ag.Tensor(X, name="x")), ag.Tensor(y, name="y"))
    try:
        return viz.save_graph(loss, out / "graph.svg", params=model).name
    except viz.GraphvizNotFoundError:
        return viz.save_graph(loss, out / "graph.dot", params=model).name


def save_backprop_gif(
    model: nn.Module, X: np.ndarray, y: np.ndarray, args: argparse.Namespace, out: Path
) -> str | None:
    """Animate one backward pass of the loss, a frame per node; None, with a one-line note, without Graphviz's `dot`."""
    try:
        return write_backprop_gif(
            model, X, y, out / "backprop.gif", loss_fn=make_loss(args.loss, args.output_activation)
        ).name
    except viz.GraphvizNotFoundError:
        print(
            "backprop.gif skipped: animating the backward pass needs Graphviz's `dot` program, which is not installed"
        )
        return None


def describe_network(args: argparse.Namespace) -> str:
    """The network in words, for titles and the report."""
    network = "-".join(map(str, [2, *args.hidden, 1]))
    bias = "" if args.bias else ", no biases"
    return f"MLP {network}, {args.activation} hidden, {args.output_activation} output{bias}"


def run(args: argparse.Namespace, argv: list[str], out: Path) -> None:
    """Train, print, and write every file into `out` (the staging folder)."""
    started = time.perf_counter()
    names = DATASETS if args.dataset == "both" else (args.dataset,)
    other = "hand" if args.backprop == "autograd" else "autograd"
    batch = "full batch" if args.batch_size is None else f"batches of {args.batch_size}"
    histories: dict[str, History] = {}
    checks: dict[str, BackpropCheck] = {}
    data_sizes: dict[str, int] = {}
    figures: list[tuple[str, str]] = []
    files: list[tuple[str, str]] = []

    for name in names:
        history, model, X, y = train_once(name, args, args.backprop, verbose=not args.quiet)
        # The same run again with the other backprop: the report shows both side by side.
        check, _, _, _ = train_once(name, args, other, verbose=False)
        histories[name], data_sizes[name] = history, len(X)
        checks[name] = BackpropCheck(args.backprop, history, other, check)
        probabilities = predict(model, X, args.loss, args.output_activation)
        if not args.quiet:
            print_predictions(probabilities, y)
        first = history.epochs_to_perfect
        if history.diverged:
            print(f"{name}: diverged at epoch {history.diverged_at} (the loss became inf or NaN); training stopped")
        else:
            print(
                f"{name}: loss {history.final_loss:.4e}, accuracy {history.final_accuracy:.2%} "
                f"({round(history.final_accuracy * len(X))}/{len(X)}), "
                f"100% from epoch {first if first is not None else 'never'}, trained in {history.seconds:.2f} s"
            )
        result_file = f"{name}_result.png"
        plot_result(
            lambda points, model=model: predict(model, points, args.loss, args.output_activation),
            X,
            y,
            out / result_file,
            f"{title(name, args.n)}: {describe_network(args)}, {args.optimizer} lr={args.lr:g}",
        )
        figures.append((f"{title(name, args.n)}: ground truth and prediction", result_file))
        model.save(out / f"model_{name}.npz")
        files.append((f"trained weights on {name} (`model.load(path)`)", f"model_{name}.npz"))

    plot_learning_curves(
        histories,
        out / "learning_curve.png",
        f"{describe_network(args)}, {args.optimizer} lr={args.lr:g}, {args.loss}, {batch}, init {args.init}",
    )
    figures.insert(0, ("Learning curves", "learning_curve.png"))
    graph_file = save_forward_graph(model, X, y, args, out)
    files.insert(0, (f"computational graph of one forward pass on {names[-1]}, loss included", graph_file))
    gif_file = save_backprop_gif(model, X, y, args, out)
    if gif_file is not None:
        figures.append((f"The backward pass on {names[-1]}, one node per frame, in the engine's order", gif_file))

    total_seconds = time.perf_counter() - started
    optimizer_name = f"{args.optimizer} (momentum {MOMENTUM})" if args.optimizer == "momentum" else args.optimizer
    settings = {
        "data sets": ", ".join(f"{name} ({data_sizes[name]} points)" for name in names),
        "network": describe_network(args),
        "initial weights": f"{args.init}: {INIT_WORDS[args.init]}",
        "loss": args.loss,
        "optimizer": f"{optimizer_name}, learning rate {args.lr:g}, {batch}",
        "epochs": args.epochs,
        "gradients": f"{args.backprop} (checked against {other}); autograd "
        + ("compiled (ag.compile)" if args.compile else "eager (--no-compile)"),
        "seed": args.seed,
    }
    command = "python -m examples.lab1" + "".join(" " + shlex.quote(arg) for arg in argv)
    report = render_report(command, settings, histories, data_sizes, checks, figures, files, total_seconds)
    (out / "report.md").write_text(report, encoding="utf-8")
    print(f"wrote {args.out}/: report.md, {', '.join(name for _, name in figures + files)} ({total_seconds:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    """Run the lab; returns the exit code (2: bad flags, through `parser.error`; 130: interrupted)."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    try:
        # A diverged model's inf and NaN weights reach the plots: the run reports it, NumPy need not warn.
        with staged_folder(args.out, OUTPUT_FILES) as staging, np.errstate(over="ignore", invalid="ignore"):
            run(args, argv, staging)
    except KeyboardInterrupt:
        print(f"interrupted: {args.out} was left as it was", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
