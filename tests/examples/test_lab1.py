"""`python -m examples.lab1`: the default run reaches 100% on both data sets and writes every file;
flags change what is trained; bad flags end with a one-line error and exit code 2."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

import nn
from examples import lab1
from examples.lab.datasets import load_dataset
from examples.lab.training import (
    ACTIVATIONS,
    DEFAULT_LR,
    OPTIMIZERS,
    make_loss,
    make_model,
    make_optimizer,
    predict,
    train,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_LINE = re.compile(r"^Iter +(\d+) \| Ground truth: ([01]) \| prediction: (\d\.\d{5})$")
REPORT_ROW = re.compile(r"^\| (linear|xor) \| [\d.]+% \((\d+)/(\d+)\) \| ([\d.e+-]+) \|")


def report_accuracies(report: str) -> dict[str, tuple[int, int]]:
    """Data set -> (correct, total) read from the result table of report.md."""
    rows = (REPORT_ROW.match(line) for line in report.splitlines())
    return {row[1]: (int(row[2]), int(row[3])) for row in rows if row}


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, int]:
    """The default lab (every flag at its default but --out), run once: (out folder, stdout, exit code)."""
    out = tmp_path_factory.mktemp("lab1")
    capture = pytest.MonkeyPatch()
    stdout = io.StringIO()
    capture.setattr(sys, "stdout", stdout)
    try:
        code = lab1.main(["--out", str(out)])
    finally:
        capture.undo()
    return out, stdout.getvalue(), code


def test_default_run_classifies_both_data_sets_perfectly(default_run: tuple[Path, str, int]) -> None:
    out, _, code = default_run
    assert code == 0
    accuracies = report_accuracies((out / "report.md").read_text(encoding="utf-8"))
    assert accuracies == {"linear": (100, 100), "xor": (21, 21)}


def test_default_run_writes_every_file(default_run: tuple[Path, str, int]) -> None:
    out, _, _ = default_run
    graph = out / "graph.svg" if (out / "graph.svg").exists() else out / "graph.dot"
    for name in ("learning_curve.png", "linear_result.png", "xor_result.png", "model_linear.npz", "model_xor.npz"):
        assert (out / name).stat().st_size > 0, name
    for name in ("learning_curve.png", "linear_result.png", "xor_result.png"):
        height, width = imread(out / name).shape[:2]
        assert width >= 700 and height >= 300, (name, width, height)
    source = graph.read_text(encoding="utf-8")
    assert "layers.0.weight" in source and "layers.4.bias" in source
    report = (out / "report.md").read_text(encoding="utf-8")
    for name in ("learning_curve.png", "linear_result.png", "xor_result.png", graph.name, "model_xor.npz"):
        assert f"]({name})" in report, name


def test_saved_models_are_the_trained_ones(default_run: tuple[Path, str, int]) -> None:
    out, _, _ = default_run
    for name in ("linear", "xor"):
        X, y = load_dataset(name, seed=0)
        model = nn.MLP([2, 4, 4, 1])  # fresh random weights, then the saved ones
        model.load(out / f"model_{name}.npz")
        assert np.array_equal(predict(model, X) >= 0.5, y >= 0.5), name


def test_every_sample_is_printed_with_its_prediction(default_run: tuple[Path, str, int]) -> None:
    _, stdout, _ = default_run
    samples = [SAMPLE_LINE.match(line) for line in stdout.splitlines() if line.startswith("Iter")]
    assert len(samples) == 100 + 21 and all(samples)
    # After 100% accuracy every printed probability is on its label's side of 0.5.
    assert all((float(m[3]) >= 0.5) == (m[2] == "1") for m in samples)
    assert [int(m[1]) for m in samples[:3]] == [1, 2, 3]
    assert re.search(r"^xor: loss [\d.e+-]+, accuracy 100\.00% \(21/21\)", stdout, re.MULTILINE)


def test_flags_choose_what_is_trained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--dataset", "xor", "--hidden", "8", "--activation", "tanh", "--optimizer", "adam", "--lr", "0.05"]
    flags += ["--epochs", "300", "--loss", "bce", "--seed", "3", "--out", str(tmp_path), "--quiet"]
    assert lab1.main(flags) == 0
    stdout = capsys.readouterr().out
    assert "Iter" not in stdout
    written = {path.name for path in tmp_path.iterdir()}
    graphs = written & {"graph.svg", "graph.dot"}
    assert len(graphs) == 1
    assert written - graphs == {"learning_curve.png", "model_xor.npz", "report.md", "xor_result.png"}
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "MLP 2-8-1, tanh hidden layers" in report and "adam, learning rate 0.05" in report
    model = nn.MLP([2, 8, 1], activation="tanh")
    model.load(tmp_path / "model_xor.npz")  # the saved shapes are those of --hidden 8


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_learns_the_linear_data_at_its_default_lr(optimizer: str) -> None:
    X, y = load_dataset("linear", seed=1)
    model = make_model((4, 4), "sigmoid", seed=1)
    optimizer_object = make_optimizer(optimizer, list(model.parameters()), DEFAULT_LR[optimizer])
    history = train(model, X, y, make_loss("mse"), optimizer_object, 600, progress=False)
    assert history.final_accuracy == 1.0 and history.final_loss < 0.1 * history.losses[0]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_lowers_the_loss(activation: str) -> None:
    X, y = load_dataset("linear", seed=1)
    model = make_model((4, 4), activation, seed=1)
    history = train(
        model, X, y, make_loss("bce"), make_optimizer("adam", list(model.parameters()), 0.05), 100, progress=False
    )
    assert history.final_loss < 0.9 * history.losses[0]
    assert history.final_accuracy > 0.9


def test_same_seed_same_training() -> None:
    runs = []
    for _ in range(2):
        X, y = load_dataset("linear", seed=7)
        model = make_model((4, 4), "sigmoid", seed=7)
        runs.append(
            train(
                model, X, y, make_loss("mse"), make_optimizer("sgd", list(model.parameters()), 1.0), 50, progress=False
            )
        )
    assert np.array_equal(runs[0].losses, runs[1].losses)


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--lr", "-1"], "--lr: must be a positive finite number, got -1.0"),
        (["--lr", "0"], "--lr: must be a positive finite number"),
        (["--lr", "nan"], "--lr: must be a positive finite number"),
        (["--hidden", "0"], "--hidden: every hidden layer needs at least 1 unit, got 0"),
        (["--hidden", "4", "-2"], "--hidden: every hidden layer needs at least 1 unit, got 4 -2"),
        (["--activation", "foo"], "argument --activation: invalid choice: 'foo'"),
        (["--optimizer", "lbfgs"], "argument --optimizer: invalid choice: 'lbfgs'"),
        (["--dataset", "spiral"], "argument --dataset: invalid choice: 'spiral'"),
        (["--loss", "hinge"], "argument --loss: invalid choice: 'hinge'"),
        (["--epochs", "0"], "--epochs: must be at least 1, got 0"),
        (["--epochs", "ten"], "argument --epochs: invalid int value: 'ten'"),
    ],
)
def test_bad_flags_exit_2_with_one_error_line(
    flags: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        lab1.main([*flags, "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and message in errors[0], errors
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_unwritable_out_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(SystemExit) as exit_info:
        lab1.main(["--out", str(blocker / "lab1")])
    assert exit_info.value.code == 2
    assert f"argument --out: cannot write to '{blocker / 'lab1'}'" in capsys.readouterr().err


def test_command_line_exit_code_and_no_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "examples.lab1", "--lr", "-1", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("python -m examples.lab1: error: argument --lr")


def test_history_runs_from_the_initial_to_the_trained_model() -> None:
    X, y = load_dataset("xor", seed=2)
    model = make_model((4, 4), "sigmoid", seed=2)
    loss_fn = make_loss("mse")
    initial = float(np.mean((predict(model, X) - y) ** 2))
    history = train(model, X, y, loss_fn, make_optimizer("sgd", list(model.parameters()), 5.0), 30, progress=False)
    trained = predict(model, X)
    assert len(history.losses) == len(history.accuracies) == 31
    assert history.losses[0] == pytest.approx(initial, rel=1e-12)
    assert history.final_loss == pytest.approx(float(np.mean((trained - y) ** 2)), rel=1e-12)
    assert history.final_accuracy == np.mean((trained >= 0.5) == (y >= 0.5))
