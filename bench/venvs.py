"""Virtualenvs of their own under bench/results/ for the sides served from another library.

Each holds one library pinned plus the project's own versions of the packages it shares with the
project, so that only the library differs; never installed into the project's ``.venv``.
"""

import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def python(directory: Path, package: str, shared: tuple[str, ...]) -> str:
    """The virtualenv's Python, the virtualenv made first (again when the pins change)."""
    pins = [package, *(f"{name}=={metadata.version(name)}" for name in shared)]
    python = directory / "bin" / "python"
    stamp = directory / "pins.txt"
    if python.exists() and stamp.exists() and stamp.read_text().split() == pins:
        return str(python)
    print(
        f"[{time.strftime('%H:%M:%S')}] installing into {directory}: {' '.join(pins)}",
        file=sys.stderr,
        flush=True,
    )
    shutil.rmtree(directory, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins],
        check=True,
        timeout=900,
    )
    stamp.write_text("\n".join(pins) + "\n")
    return str(python)
