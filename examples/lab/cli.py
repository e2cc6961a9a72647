"""Command-line checks shared by the lab and the experiments."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def require_writable_folder(parser: argparse.ArgumentParser, folder: Path) -> None:
    """Create `folder` if needed and make sure files can be written there; else exit with a
    one-line --out error (code 2), before any training time is spent."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        parser.error(f"argument --out: cannot write to {str(folder)!r}: {error.strerror or error}")
