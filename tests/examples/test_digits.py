"""`python -m examples.digits`, reduced to a few epochs: it trains both models past 90% on the
test set, its confusion matrices agree with its accuracies, it writes its files atomically,
and without scikit-learn it says so and exits cleanly."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from examples import digits

pytest.importorskip("sklearn")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("digits") / "runs" / "digits"  # a folder that does not exist yet, as runs/digits
    assert digits.main(["--epochs", "2", "--quiet", "--out", str(out)]) == 0
    return out


def test_quick_run_writes_figures_and_a_report_with_both_models(quick_run: Path) -> None:
    assert sorted(path.name for path in quick_run.iterdir()) == [
        "confusion_matrix.png",
        "learning_curves.png",
        "report.md",
    ]
    for name in ("learning_curves.png", "confusion_matrix.png"):
        height, width = imread(quick_run / name).shape[:2]
        assert width >= 1000 and height >= 500, (name, width, height)
    report = (quick_run / "report.md").read_text(encoding="utf-8")
    for title, _ in digits.MODELS.values():
        row = next(line for line in report.splitlines() if line.startswith(f"| {title} |"))
        accuracy = float(row.split("|")[2].strip().rstrip("%"))
        assert accuracy > 90.0, row  # two epochs already separate most digits; the full run reaches 97+


def test_confusion_matrix_counts_every_test_image_and_matches_the_accuracy() -> None:
    data = digits.load_data(seed=3)
    history, model = digits.train("mlp", data, epochs=1, seed=3, log=lambda message: None)
    test_labels = data[3]
    assert history.confusion.sum() == len(test_labels) == 450
    np.testing.assert_array_equal(history.confusion.sum(axis=1), np.bincount(test_labels, minlength=10))
    assert np.trace(history.confusion) / 450 == pytest.approx(history.test_accuracies[-1])
    assert model.training  # evaluation switches to eval mode and back


def test_the_same_seed_gives_the_same_run() -> None:
    data = digits.load_data(seed=0)
    first, _ = digits.train("cnn", data, epochs=1, seed=0, log=lambda message: None)
    second, _ = digits.train("cnn", data, epochs=1, seed=0, log=lambda message: None)
    assert first.train_losses == second.train_losses and first.test_losses == second.test_losses


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("previous", encoding="utf-8")

    def fail_halfway(path: Path) -> None:
        path.write_text("half", encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        digits.save_atomically(target, fail_halfway)
    assert target.read_text(encoding="utf-8") == "previous"
    assert [path.name for path in tmp_path.iterdir()] == ["report.md"]


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    plain = tmp_path / "plain.md"
    plain.write_text("x", encoding="utf-8")
    digits.save_atomically(tmp_path / "atomic.md", lambda path: path.write_text("x", encoding="utf-8"))
    assert (tmp_path / "atomic.md").stat().st_mode == plain.stat().st_mode  # not a temporary file's 0600


def test_without_scikit_learn_it_says_so_and_writes_nothing(monkeypatch, tmp_path: Path, capsys) -> None:
    for module in ("sklearn", "sklearn.datasets", "sklearn.model_selection"):
        monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    assert digits.main(["--out", str(tmp_path / "out")]) == 0
    assert "skipped: it needs scikit-learn" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_epochs_must_be_positive(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        digits.main(["--epochs", "0"])
    assert exit_info.value.code == 2
    assert "--epochs: must be at least 1" in capsys.readouterr().err
