"""The process's memory for the in-process benches (Linux /proc): current and peak RSS, and a
reset of the peak so that it covers only the timed part."""

import contextlib
import resource
from pathlib import Path

_STATUS = Path("/proc/self/status")


def _status(field: str) -> float | None:
    with contextlib.suppress(OSError):
        for line in _STATUS.read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return None


def peak_mib() -> float:
    """Peak RSS in MiB since the last reset_peak() (VmHWM), else of the process's life."""
    peak = _status("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_mib() -> float:
    return _status("VmRSS") or 0.0


def reset_peak() -> None:
    """Writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
