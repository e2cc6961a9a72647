"""A run's files are written into a hidden folder next to `--out` and moved into place only at
the end, so an interrupted or failed run leaves the previous run's files as they were: never a
mix of an old report and new weights.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path


@contextlib.contextmanager
def staged_folder(out: Path, owned: Iterable[str]) -> Iterator[Path]:
    """Yield an empty folder beside `out`; when the block ends normally, move its files into `out`.

    Files named in `owned` (the files such a run writes) that the new run did not write are
    removed from `out`, so `out` holds exactly one run's files. Other files in `out` are kept.
    On an exception (KeyboardInterrupt included) the staging folder is deleted and `out` is
    left untouched."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        yield staging
        with deferred_interrupt():
            out.mkdir(exist_ok=True)
            written = {path.name for path in staging.iterdir()}
            for name in set(owned) - written:
                (out / name).unlink(missing_ok=True)
            for name in sorted(written):
                (staging / name).replace(out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT) back until the block is done, then raise KeyboardInterrupt.
    A no-op outside the main thread, where signal handlers cannot be set."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda *_: received.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt
