"""`python -m benchmarks --quick` writes to a scratch file, never over the committed benchmarks/results.md."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # benchmarks/ is not an installed package
    sys.path.insert(0, str(REPO_ROOT))

import benchmarks.__main__ as cli  # noqa: E402

FAKE_SUITE = {"engines": {}, "mismatches": [], "quick": True}


@pytest.fixture
def fake_run(monkeypatch, tmp_path):
    """main() with the suite faked (no benchmark runs) and the package's paths in a temp dir."""
    committed = tmp_path / "benchmarks" / "results.md"
    committed.parent.mkdir()
    committed.write_text("the committed measurement\n")
    monkeypatch.setattr(cli, "COMMITTED_RESULTS", committed)
    monkeypatch.setattr(cli, "QUICK_RESULTS", committed.parent / "results" / "quick.md")
    monkeypatch.setattr(cli, "run_suite", lambda engines, quick, command, threads: dict(FAKE_SUITE, quick=quick))
    monkeypatch.setattr(cli, "render", lambda suite: f"table (quick={suite['quick']})\n")
    return committed


def test_quick_goes_to_the_scratch_file(fake_run):
    assert cli.main(["--quick"]) == 0
    assert fake_run.read_text() == "the committed measurement\n"
    assert (fake_run.parent / "results" / "quick.md").read_text() == "table (quick=True)\n"
    assert (fake_run.parent / "results" / "quick.json").is_file()


def test_a_full_run_updates_the_committed_table(fake_run):
    assert cli.main([]) == 0
    assert fake_run.read_text() == "table (quick=False)\n"
    assert (fake_run.parent / "results" / "results.json").is_file()


def test_quick_over_the_committed_table_is_refused(fake_run, capsys):
    with pytest.raises(SystemExit):
        cli.main(["--quick", "--out", str(fake_run)])
    assert "not writing them over" in capsys.readouterr().err
    assert fake_run.read_text() == "the committed measurement\n"


def test_the_real_defaults_and_the_ignore_rule():
    assert cli.COMMITTED_RESULTS == REPO_ROOT / "benchmarks" / "results.md"
    assert cli.QUICK_RESULTS.parent == REPO_ROOT / "benchmarks" / "results"
    assert cli.output_path(True, None) == cli.QUICK_RESULTS
    for path in (cli.QUICK_RESULTS, cli.QUICK_RESULTS.with_suffix(".json")):
        ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=REPO_ROOT, capture_output=True)
        if ignored.returncode == 128:
            pytest.skip(f"git cannot tell: {ignored.stderr.decode()[:200]}")
        assert ignored.returncode == 0, f"{path} should be git-ignored"


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "results.md"
    target.write_text("old\n")
    digest = hashlib.sha256(target.read_bytes()).hexdigest()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(cli.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        cli.write_atomically(target, "new\n")
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest
    assert [p.name for p in tmp_path.iterdir()] == ["results.md"]  # no temp file left
