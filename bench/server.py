"""Start an ASGI app under uvicorn in a subprocess, with the production server settings."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

ROOT = Path(__file__).resolve().parent.parent
# As in the Dockerfile's CMD: one uvicorn worker (uvloop + httptools from uvicorn[standard]),
# proxy headers left to the app (FORWARDED_ALLOW_IPS), no Server header; the access log stays
# on as it does in production.
UVICORN_FLAGS = ("--no-proxy-headers", "--no-server-header")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of one process, from /proc."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def tree_cpu_seconds(root: int) -> float:
    """CPU time of a process and every live descendant (uvicorn's workers)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                raw = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(raw[raw.rindex(")") + 2 :].split()[1])
    family, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [c for c, p in parents.items() if p == pid and c not in family]
        family.update(children)
        frontier += children
    return sum(process_cpu_seconds(pid) for pid in family)


def postgres_cpu() -> dict[int, float]:
    """CPU time of every process named postgres on this machine (all databases), by pid."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
        except OSError:
            continue
        found[int(entry.name)] = process_cpu_seconds(int(entry.name))
    return found


def postgres_cpu_since(before: dict[int, float]) -> float:
    """PostgreSQL CPU seconds used since the snapshot (processes that ended are lost)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in postgres_cpu().items())


def machine_busy_seconds() -> float:
    """CPU seconds every core spent not idle since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


class Server:
    """uvicorn serving target on 127.0.0.1:port until the with-block ends (SIGINT, then kill)."""

    def __init__(
        self,
        target: str,
        env: dict[str, str],
        log: Path,
        *,
        workers: int = 1,
        profile: Path | None = None,
    ) -> None:
        self.target, self.env, self.log, self.profile = target, env, log, profile
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        cmd = [sys.executable]
        if self.profile is not None:
            cmd += ["-m", "cProfile", "-o", str(self.profile)]
        cmd += ["-m", "uvicorn", self.target, "--host", "127.0.0.1", "--port", str(self.port)]
        if self.workers > 1:
            cmd += ["--workers", str(self.workers)]
        return cmd + list(UVICORN_FLAGS)

    def __enter__(self) -> "Server":
        self._log_file = self.log.open("ab")
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            self.command(), cwd=ROOT, env=self.env, stdout=self._log_file, stderr=subprocess.STDOUT
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log_file.close()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.pid) if self.workers > 1 else process_cpu_seconds(self.pid)

    async def wait_ready(self, path: str, within: float = 60) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as client:
            while True:
                assert self.proc is not None
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.target} exited; see {self.log}")
                try:
                    if (await client.get(path)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.target} did not become ready; see {self.log}")
                await asyncio.sleep(0.2)
