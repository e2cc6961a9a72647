"""`python -m tests.fuzz --programs 5000 [--second-order] [--seed S] [--no-views] [--include-known]`

Runs that many random programs (seeds S, S+1, ...), checks each against NumPy and finite
differences, shrinks every failure and prints each distinct one once, as runnable code.
Exit status 1 if anything failed.
"""

from __future__ import annotations

import argparse
import sys
import time

from .generator import Options, generate
from .known import KNOWN, ci_check, ci_options
from .oracle import check
from .shrink import shrink


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=_positive, default=1000, help="how many programs (default 1000)")
    parser.add_argument("--seed", type=_non_negative, default=0, help="the first program's seed (default 0)")
    parser.add_argument("--second-order", action="store_true", help="also check second derivatives")
    parser.add_argument("--no-views", action="store_true", help="never write in place through a view (on by default)")
    parser.add_argument(
        "--include-known", action="store_true", help=f"also generate what the known findings {sorted(KNOWN)} fail on"
    )
    args = parser.parse_args(argv)
    views = not args.no_views
    options = Options(views=views) if args.include_known else ci_options(args.second_order, views)
    oracle = check if args.include_known else ci_check

    started = time.monotonic()
    failures, unreliable, distinct = 0, 0, {}
    for seed in range(args.seed, args.seed + args.programs):
        program = generate(seed, options)
        failure = oracle(program, args.second_order)
        if failure is not None and not failure.is_finding:
            unreliable += 1
        elif failure is not None:
            failures += 1
            small, small_failure = shrink(program, failure, options, args.second_order, oracle)
            key = small_failure.signature
            if small_failure.kind != "raises":  # a wrong number: which ops it takes to show it
                key += ": " + ", ".join(sorted({step.op for step in small.steps}))
            if key not in distinct:
                distinct[key] = seed
                print(f"# seed {seed}: {small_failure.message}\n{small.code(args.second_order)}", flush=True)
        done = seed - args.seed + 1
        if done % 500 == 0:
            print(f"... {done} programs, {failures} failed, {time.monotonic() - started:.0f} s", file=sys.stderr)
    order = "second" if args.second_order else "first"
    print(
        f"{args.programs} programs (seeds {args.seed}-{args.seed + args.programs - 1}, {order} order) in "
        f"{time.monotonic() - started:.0f} s: {failures} failed, {len(distinct)} distinct after shrinking; "
        f"{unreliable} not checkable (finite differences unstable)"
    )
    return 1 if failures else 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


if __name__ == "__main__":
    sys.exit(main())
