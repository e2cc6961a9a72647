"""`python -m examples.experiments --quick` runs every comparison and the CNN and writes its files;
the summaries and report.md say what the runs did; a diverging run is reported, not raised; the
results do not depend on the number of worker processes; the bar images are what their labels say."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from examples import backprop_by_hand as by_hand
from examples import experiments
from examples.lab import bars
from examples.lab.datasets import load_dataset
from examples.lab.discussion import answers
from examples.lab.gradient_flow import first_to_last
from examples.lab.model import make_model
from examples.lab.sweep import Job, Setting, run_job, run_jobs, summary_row
from examples.lab.training import History

EPOCHS = 400
FIGURES = [
    *experiments.EXPERIMENTS,
    *(f"{name}_grid" for name in experiments.EXPERIMENTS),
    *(f"{name}_gradient_flow" for name in experiments.MONITORED),
    "cnn",
]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("experiments") / "quick"
    # The quick budget with fewer epochs: every file and table, in little test time.
    flags = ["--quick", "--epochs", str(EPOCHS), "--quiet", "--jobs", "2", "--out", str(out)]
    assert experiments.main(flags) == 0
    return out


def test_quick_run_writes_every_figure(quick_run: Path) -> None:
    assert {path.name for path in quick_run.iterdir()} == {f"{name}.png" for name in FIGURES} | {
        "results.md",
        "report.md",
    }
    for name in FIGURES:
        height, width = imread(quick_run / f"{name}.png").shape[:2]
        assert width >= 700 and height >= 300, (name, width, height)


def test_quick_run_writes_a_table_row_per_setting_and_data_set(quick_run: Path) -> None:
    results = (quick_run / "results.md").read_text(encoding="utf-8")
    for name, experiment in experiments.EXPERIMENTS.items():
        assert f"![{name}]({name}.png)" in results and f"({name}_grid.png)" in results
        for setting in experiment.settings:
            for dataset in experiment.datasets:
                row = re.search(rf"^\| {re.escape(setting.label)} \| {dataset} \| (.+) \|$", results, re.MULTILINE)
                assert row, (setting.label, dataset)
    assert "![cnn](cnn.png)" in results
    cnn_row = re.search(r"^\| conv3x3\(4\) relu maxpool2 linear \| .* \| ([\d.]+)% \| ([\d.]+)% ", results, re.M)
    assert cnn_row and float(cnn_row[1]) > 90.0  # the bars are learnable even in the quick budget
    assert f"{experiments.QUICK['seeds']} seeds per setting" in results


def test_quick_run_shows_what_the_reports_saw(quick_run: Path) -> None:
    results = (quick_run / "results.md").read_text(encoding="utf-8")
    # lr 1 (the lab's) is far ahead of lr 0.001 after a few hundred epochs
    fast = re.search(r"^\| lr = 1 \| linear \| .* \| ([\d.]+)% \(worst", results, re.M)
    slow = re.search(r"^\| lr = 0.001 \| linear \| .* \| ([\d.]+)% \(worst", results, re.M)
    assert fast and slow and float(fast[1]) > 95.0 > float(slow[1]) + 20
    # the linear model at lr 1 diverges on every seed; XOR stays far from 100% without activations
    assert re.search(r"^\| none at all, lr 1 \| xor \| diverged 2/2 seeds \|", results, re.M)
    row = re.search(r"^\| none at all, lr 0.01 \| xor \| .* \| ([\d.]+)% \(worst", results, re.M)
    assert row and float(row[1]) < 75.0


def test_report_answers_the_questions_with_the_runs_numbers(quick_run: Path) -> None:
    report = (quick_run / "report.md").read_text(encoding="utf-8")
    results = (quick_run / "results.md").read_text(encoding="utf-8")
    for heading in (
        "## What is the activation function for?",
        "## What happens when the learning rate is too large or too small?",
        "## What do the weights and biases do?",
    ):
        assert heading in report
    assert "none at all, lr 1: diverged on all 2 seeds" in report
    assert "([no_activation.png](no_activation.png), [no_activation_grid.png](no_activation_grid.png))" in report
    # a number in the report is the table's: the lr = 0.001 XOR accuracy
    table = re.search(r"^\| lr = 0.001 \| xor \| .* \| ([\d.]+)% \(worst", results, re.M)
    assert table and f"lr = 0.001: {table[1]}%" in report


def test_gradient_flow_figures_and_sentences(quick_run: Path) -> None:
    results = (quick_run / "results.md").read_text(encoding="utf-8")
    report = (quick_run / "report.md").read_text(encoding="utf-8")
    for name in experiments.MONITORED:
        assert f"![{name}: gradient flow]({name}_gradient_flow.png)" in results
        link = f"([{name}_gradient_flow.png]({name}_gradient_flow.png))"
        sentences = [line for line in report.splitlines() if line.startswith("Gradient flow (seed 0, xor)")]
        assert any(line.endswith(link) for line in sentences) and any(link in line for line in results.splitlines())
    # the linear model at lr 1 explodes: its first layer's gradient grows by many orders before the loss is inf
    grew = re.search(r"at none at all, lr 1 the first layer's grew from ([\d.e+-]+) at the first step to "
                     r"([\d.e+-]+) within (\d+) epochs", report)  # fmt: skip
    assert grew and float(grew[2]) > 1e20 * float(grew[1])
    assert report.index("Gradient flow (seed 0, xor)") < report.index("## What happens when the learning rate")


def test_the_gradient_monitor_records_without_changing_the_run() -> None:
    setting = Setting("sigmoid", lr=1.0)
    plain = run_job(Job(setting, "xor", seed=1, epochs=40, keep_model=True))
    watched = run_job(Job(setting, "xor", seed=1, epochs=40, keep_model=True, monitor=True))
    assert plain.flow is None and list(watched.flow) == ["layers.0.weight", "layers.2.weight", "layers.4.weight"]
    assert np.array_equal(plain.history.losses, watched.history.losses)
    assert all(np.array_equal(plain.state[name], watched.state[name]) for name in plain.state)
    # the first step's mean |grad| per layer, from the hand-derived backward pass at the initial weights
    X, y = load_dataset("xor", seed=1)
    initial = {name: p.data for name, p in make_model((4, 4), "sigmoid", seed=1).named_parameters()}
    _, grads, _ = by_hand.loss_grads_and_prediction(initial, X, y, "mse", "sigmoid", "sigmoid")
    for name, flow in watched.flow.items():
        assert len(flow) == 40
        assert flow[0] == pytest.approx(np.abs(grads[name]).mean(), rel=1e-12), name


def test_compiled_runs_equal_eager_ones_bit_for_bit() -> None:
    for setting in (Setting("sigmoid", lr=1.0), Setting("adam relu", activation="relu", optimizer="adam", lr=0.01)):
        compiled, eager = (
            run_job(Job(setting, "xor", 2, 50, keep_model=True, compiled=flag)) for flag in (True, False)
        )
        assert np.array_equal(compiled.history.losses, eager.history.losses)
        assert all(np.array_equal(compiled.state[name], eager.state[name]) for name in eager.state)
    compiled_cnn, eager_cnn = bars.train_cnn(0, 2, compiled=True), bars.train_cnn(0, 2, compiled=False)
    assert np.array_equal(compiled_cnn.losses, eager_cnn.losses)
    assert np.array_equal(compiled_cnn.test_accuracies, eager_cnn.test_accuracies)


def test_monitored_seed_0_is_merged_with_the_same_run_elsewhere() -> None:
    setting, same = Setting("a", lr=1.0), Setting("b", lr=1.0)
    outputs = run_jobs([Job(setting, "xor", 0, 5, keep_model=True), Job(same, "xor", 0, 5, monitor=True)], 1)
    assert outputs[0] is outputs[1] and outputs[0].flow is not None and outputs[0].state is not None
    assert first_to_last({"w0": np.array([1.0, 3.0, np.inf]), "w1": np.array([4.0, 4.0, 4.0])}) == 0.5


def test_a_diverging_run_is_stopped_and_reported_not_raised() -> None:
    setting = Setting("linear model", activation="none", output_activation="none", lr=1.0)
    history, state, _ = run_job(Job(setting, "xor", seed=0, epochs=500, keep_model=True))
    assert history.diverged and 1 <= history.diverged_at < 50
    assert (
        np.isnan(history.losses[history.diverged_at :]).all()
        and np.isfinite(history.losses[: history.diverged_at]).all()
    )
    assert (
        summary_row("linear model", "xor", [history])
        == "| linear model | xor | diverged 1/1 seeds | diverged 1/1 seeds | never |"
    )
    three_settings = {"a": [history], "b": [history], "c": [history]}
    report = answers({"no_activation": {"xor": three_settings, "linear": three_settings}}, 500, "")
    assert "c: diverged on all 1 seeds" in report and "exploded to inf or NaN" in report
    assert setting.predict(state)(np.zeros((1, 2))).shape == (1, 1)  # a diverged model still predicts (NaN)


def test_any_number_of_workers_gives_the_same_results() -> None:
    settings = [Setting("a", lr=1.0), Setting("b", activation="tanh", lr=0.1), Setting("same as a", lr=1.0)]
    jobs = [Job(s, d, seed, epochs=25) for s in settings for d in ("linear", "xor") for seed in (0, 1)]
    serial, parallel = run_jobs(jobs, 1), run_jobs(jobs, 2)
    assert len(serial) == len(parallel) == len(jobs)
    for (one, *_), (two, *_) in zip(serial, parallel):
        assert np.array_equal(one.losses, two.losses) and np.array_equal(one.accuracies, two.accuracies)
    assert serial[0][0] is serial[8][0]  # identical settings are trained once
    assert not np.array_equal(serial[0][0].losses, serial[4][0].losses)  # different settings differ


def test_only_runs_the_chosen_experiment_and_workers_draw_the_same_figures(tmp_path: Path) -> None:
    written = {}
    for jobs in ("1", "2"):  # 2: the runs, the CNN and the figures are made in worker processes
        out = tmp_path / jobs
        flags = ["--only", "loss", "cnn", "--seeds", "1", "--epochs", "20", "--cnn-epochs", "2", "--jobs", jobs]
        assert experiments.main([*flags, "--out", str(out), "--quiet"]) == 0
        written[jobs] = {path.name: path.read_bytes() for path in out.iterdir()}
    assert set(written["1"]) == {"loss.png", "loss_grid.png", "cnn.png", "results.md", "report.md"}
    for name in ("loss.png", "loss_grid.png", "cnn.png"):
        assert written["1"][name] == written["2"][name], name
    # the tables, after the command line (which names --jobs and --out), without the CNN's training seconds
    tables = [re.sub(rb"[\d.]+ s of training", b"", written[jobs]["results.md"].split(b"\n", 3)[3]) for jobs in "12"]
    assert tables[0] == tables[1]


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--seeds", "0"], "argument --seeds: must be at least 1, got 0"),
        (["--epochs", "-5"], "argument --epochs: must be at least 1, got -5"),
        (["--jobs", "0"], "argument --jobs: must be at least 1, got 0"),
        (["--only", "dropout"], "argument --only: invalid choice: 'dropout'"),
    ],
)
def test_bad_flags_exit_2(flags: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        experiments.main([*flags, "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and message in errors[0]


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
