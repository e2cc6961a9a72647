"""`python -m benchmarks [--quick] [--out benchmarks/results.md] [--engines ours,numpy,torch]`.

Writes the markdown table to --out and the raw results as JSON to `results/<name>.json` beside it.
A full run goes to the committed `benchmarks/results.md` by default; `--quick` (a smoke test, not a
measurement) to the git-ignored `benchmarks/results/quick.md`, and never over the committed table.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import render
from benchmarks.runner import ENGINES, run_suite

PACKAGE_DIR = Path(__file__).resolve().parent
COMMITTED_RESULTS = PACKAGE_DIR / "results.md"  # the measurement the README quotes
QUICK_RESULTS = PACKAGE_DIR / "results" / "quick.md"  # scratch, git-ignored


def output_path(quick: bool, out: str | None) -> Path:
    """Where the table goes: --out, else the committed results (full run) or the scratch file (--quick).
    A quick run is never written over the committed results."""
    path = Path(out) if out is not None else (QUICK_RESULTS if quick else COMMITTED_RESULTS)
    if quick and path.resolve() == COMMITTED_RESULTS.resolve():
        raise ValueError(
            f"--quick results are a smoke test, not a measurement: not writing them over {COMMITTED_RESULTS}; "
            f"leave out --out (they go to {QUICK_RESULTS}) or give another path"
        )
    return path


def raw_path(out: Path) -> Path:
    """The JSON of the raw results: `results/<name>.json` beside the table (beside the scratch table itself)."""
    if out.resolve() == QUICK_RESULTS.resolve():
        return QUICK_RESULTS.with_suffix(".json")
    return out.parent / "results" / f"{out.stem}.json"


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through a temp file in the same folder, so a failed run leaves the old file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (a smoke test; about a minute)")
    parser.add_argument(
        "--out",
        default=None,
        help="the markdown table (default: benchmarks/results.md; --quick: benchmarks/results/quick.md)",
    )
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated, from ours,numpy,torch")
    parser.add_argument("--threads", type=int, default=None, help="BLAS and PyTorch threads (default: every core)")
    args = parser.parse_args(argv)
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    unknown = [name for name in engines if name not in ENGINES]
    if unknown:
        parser.error(f"--engines: unknown engine(s) {', '.join(unknown)}; choose from {', '.join(ENGINES)}")
    try:
        out = output_path(args.quick, args.out)
    except ValueError as error:
        parser.error(str(error))

    started = time.perf_counter()
    command = "python -m benchmarks" + "".join(" " + shlex.quote(arg) for arg in argv)
    suite = run_suite(engines, args.quick, command, args.threads)
    suite["wall_seconds"] = time.perf_counter() - started

    write_atomically(out, render(suite))
    raw = raw_path(out)
    write_atomically(raw, json.dumps(suite, indent=1))
    print(f"[benchmarks] wrote {out} and {raw} in {suite['wall_seconds']:.0f} s")
    failed = [
        name
        for name, result in suite["engines"].items()
        if "error" in result or any("error" in case for case in result.get("cases", {}).values())
    ]
    return 1 if suite["mismatches"] or failed else 0


if __name__ == "__main__":
    sys.exit(main())
