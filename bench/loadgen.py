"""A lean closed-loop load generator: keep-alive HTTP/1.1 over asyncio streams.

The server and the load share a 2-core machine, so the client has to cost as little CPU as
possible: no HTTP library, one connection per simulated client, the request bytes built by
the caller. Only what uvicorn sends back is understood (Content-Length or chunked bodies).
"""

import asyncio
import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


class HTTPConnection:
    """One keep-alive connection; requests on it are sequential."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send a complete request (see build_request) and read the whole response."""
        reader, writer = await self._open()
        writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length: int | None = None
        chunked, keep_alive = False, True
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.strip().lower() == "close":
                keep_alive = False
        if chunked:
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = await reader.readexactly(length or 0)
        if not keep_alive:
            await self.close()
        return status, body


def build_request(
    method: str,
    host: str,
    port: int,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    if body or method in ("POST", "PUT", "PATCH"):
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class LoadResult:
    name: str
    clients: int
    seconds: float
    ok: int = 0
    errors: dict[int, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def record(self, status: int, expect: int, body: bytes, elapsed_ms: float) -> bool:
        """Count one answer: its latency if it is the expected one, else an error."""
        if status == expect:
            self.ok += 1
            self.latencies_ms.append(elapsed_ms)
            return True
        self.errors[status] = self.errors.get(status, 0) + 1
        if len(self.error_samples) < 5:
            self.error_samples.append(f"{status}: {body[:300]!r}")
        return False


async def closed_loop(
    name: str,
    host: str,
    port: int,
    make_request: Callable[[], bytes],
    *,
    clients: int,
    warmup: float,
    duration: float,
    expect: int,
) -> LoadResult:
    """clients connections, each sending its next request as soon as the last one answered.

    Requests finishing inside [warm-up end, warm-up end + duration] are counted; throughput is
    the count of expected answers divided by the window's length.
    """
    result = LoadResult(name=name, clients=clients, seconds=duration)
    loop_start = time.perf_counter()
    window_start = loop_start + warmup
    window_end = window_start + duration

    async def client() -> None:
        conn = HTTPConnection(host, port)
        try:
            while True:
                raw = make_request()
                t0 = time.perf_counter()
                if t0 >= window_end:
                    return
                status, body = await conn.request(raw)
                t1 = time.perf_counter()
                if window_start <= t1 <= window_end:
                    result.record(status, expect, body, (t1 - t0) * 1000)
        finally:
            await conn.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    result.latencies_ms.sort()
    return result


async def paced_loop(
    name: str,
    host: str,
    port: int,
    make_request: Callable[[], bytes],
    *,
    clients: int,
    rate: float,
    warmup: float,
    duration: float,
    expect: int,
) -> LoadResult:
    """clients connections sending rate requests a second between them, on a fixed schedule.

    Latency runs from the scheduled send time, so a slow answer that delays the next request
    is charged to that request too (no coordinated omission).
    """
    result = LoadResult(name=name, clients=clients, seconds=duration)
    interval = clients / rate
    start = time.perf_counter()
    window_start, window_end = start + warmup, start + warmup + duration

    async def client(n: int) -> None:
        conn = HTTPConnection(host, port)
        due = start + interval * n / clients
        try:
            while due < window_end:
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                status, body = await conn.request(make_request())
                t1 = time.perf_counter()
                if due >= window_start:
                    result.record(status, expect, body, (t1 - due) * 1000)
                due += interval
        finally:
            await conn.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    result.latencies_ms.sort()
    return result
