"""`python -m examples.experiments --quick` runs every comparison and the CNN and writes its files;
the summaries say what the runs did; the bar images are what their labels say."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from examples import experiments
from examples.lab import bars
from examples.lab.sweep import summary_row
from examples.lab.training import History

FIGURES = [*experiments.EXPERIMENTS, "cnn"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("experiments")
    assert experiments.main(["--quick", "--quiet", "--out", str(out)]) == 0
    return out


def test_quick_run_writes_a_readable_figure_per_experiment(quick_run: Path) -> None:
    for name in FIGURES:
        height, width = imread(quick_run / f"{name}.png").shape[:2]
        assert width >= 700 and height >= 300, (name, width, height)


def test_quick_run_writes_a_table_row_per_setting_and_data_set(quick_run: Path) -> None:
    results = (quick_run / "results.md").read_text(encoding="utf-8")
    for name, experiment in experiments.EXPERIMENTS.items():
        assert f"![{name}]({name}.png)" in results
        for setting in experiment.settings:
            for dataset in ("linear", "xor"):
                row = re.search(rf"^\| {re.escape(setting.label)} \| {dataset} \| (.+) \|$", results, re.MULTILINE)
                assert row, (setting.label, dataset)
    assert "![cnn](cnn.png)" in results
    cnn_row = re.search(r"^\| conv3x3\(4\) relu maxpool2 linear \| .* \| ([\d.]+)% \| ([\d.]+)% ", results, re.M)
    assert cnn_row and float(cnn_row[1]) > 90.0  # the bars are learnable even in the quick budget
    assert f"{experiments.QUICK['seeds']} seeds per setting" in results


def test_quick_run_reproduces_the_lab_default(quick_run: Path) -> None:
    # lr = 1 on the linear data set reaches 100% on every seed within the quick budget.
    results = (quick_run / "results.md").read_text(encoding="utf-8")
    row = re.search(
        r"^\| lr = 1 \| linear \| .* \| 100\.0% \(worst 100%\) \| \d+ \((\d+)/(\d+) seeds\) \|$", results, re.M
    )
    assert row and row[1] == row[2], row


def test_only_runs_the_chosen_experiment(tmp_path: Path) -> None:
    flags = ["--only", "no_activation", "--seeds", "1", "--epochs", "20", "--out", str(tmp_path), "--quiet"]
    assert experiments.main(flags) == 0
    assert {path.name for path in tmp_path.iterdir()} == {"no_activation.png", "results.md"}


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--seeds", "0"], "argument --seeds: must be at least 1, got 0"),
        (["--epochs", "-5"], "argument --epochs: must be at least 1, got -5"),
        (["--only", "dropout"], "argument --only: invalid choice: 'dropout'"),
    ],
)
def test_bad_flags_exit_2(flags: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        experiments.main([*flags, "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def history(losses: list[float], accuracies: list[float]) -> History:
    return History(np.array(losses), np.array(accuracies), seconds=0.0)


def test_summary_row_averages_over_seeds() -> None:
    histories = [history([0.5, 0.1, 0.02], [0.5, 1.0, 1.0]), history([0.5, 0.4, 0.3], [0.5, 0.5, 0.75])]
    row = summary_row("lr = 1", "xor", histories)
    assert row == "| lr = 1 | xor | 1.60e-01 ± 1.4e-01 | 87.5% (worst 75%) | 1 (1/2 seeds) |"
    never = summary_row("lr = 0.001", "xor", histories[1:])
    assert never.endswith("| never |")


def test_epochs_to_perfect_is_where_100_percent_lasts() -> None:
    assert history([1, 1, 1, 1, 1], [0.5, 1.0, 0.9, 1.0, 1.0]).epochs_to_perfect == 3
    assert history([1, 1, 1], [1.0, 1.0, 1.0]).epochs_to_perfect == 0
    assert history([1, 1, 1], [0.5, 1.0, 0.9]).epochs_to_perfect is None
    assert history([1, 1], [0.5, 0.9]).epochs_to_perfect is None


def test_bars_are_labelled_by_orientation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bars, "NOISE", 0.0)
    images, labels = bars.generate_bars(64, np.random.default_rng(5))
    assert images.shape == (64, 1, 8, 8) and labels.shape == (64, 1)
    assert labels.sum() == 32  # balanced
    for image, label in zip(images[:, 0], labels.ravel()):
        rows, columns = np.nonzero(image)
        assert 4 <= len(rows) <= 8
        if label == 1:
            assert len(set(columns)) == 1 and np.array_equal(rows, np.arange(rows[0], rows[0] + len(rows)))
        else:
            assert len(set(rows)) == 1 and np.array_equal(columns, np.arange(columns[0], columns[0] + len(columns)))
