"""Benchmark: requests per second of ``ASGIApp(dp)`` against a bare Starlette endpoint.

Both run under uvicorn as subprocesses with identical settings, get the same body (the
PHP-built ONIMBOTDELETE example) from the same load generator, in alternating rounds:

* ``b24botevents ASGIApp``: ``ASGIApp(Dispatcher(portal_store=MemoryPortalStore(...)))``
  with one trivial async handler: decode, verify, build the typed event, dispatch;
* ``bare Starlette``: one POST route that reads the body and answers 200, nothing else.

The load generator is ``wrk`` with a Lua script for the POST (installed with ``apt-get``
when missing, as root). Every response must be 2xx (wrk's "Non-2xx" count is checked), so
a misconfigured verifier cannot make the library look fast. The figure is the median rps
over the rounds; the ratio is ASGIApp / Starlette (target: at least 0.90).

``--quick`` is a smoke run (one 1 s round per server); if wrk is missing there it uses a
small asyncio keep-alive client instead, labelled as such in the output.

Usage::

    .venv/bin/python bench/bench_asgi.py            # full run (about 2 minutes)
    .venv/bin/python bench/bench_asgi.py --quick    # smoke run (a few seconds)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from b24botevents import (  # noqa: E402
    AnyBotDeleteEvent,
    Dispatcher,
    MemoryPortalStore,
    PortalRecord,
)
from b24botevents.contrib.asgi import ASGIApp  # noqa: E402

EXAMPLES = Path(os.environ.get("B24_EXAMPLES") or ROOT / "tests" / "data" / "examples")
BODY_FILE = EXAMPLES / "ONIMBOTDELETE.derived-http_build_query.txt"
MEMBER_ID = "bac1cd5c8940947a75e0d71b1a84e348"
DOMAIN = "some-domain.bitrix24.com"
TOKEN = "831c76b092f9f135d9b6b36c3a720757"
CONTENT_TYPE = "application/x-www-form-urlencoded"
TARGET = 0.90


# ---- the two applications (imported by the uvicorn subprocesses) ---------------------


def make_b24_app() -> ASGIApp:
    dp = Dispatcher(portal_store=MemoryPortalStore([PortalRecord(MEMBER_ID, DOMAIN, TOKEN)]))

    @dp.on_bot_delete
    async def trivial(event: AnyBotDeleteEvent) -> None:
        return None

    return ASGIApp(dp)


async def bare_endpoint(request: Request) -> Response:
    await request.body()
    return Response(b"ok", media_type="text/plain")


def make_starlette_app() -> Starlette:
    return Starlette(routes=[Route("/", bare_endpoint, methods=["POST"])])


SERVERS = {
    "b24botevents ASGIApp": "bench_asgi:make_b24_app",
    "bare Starlette": "bench_asgi:make_starlette_app",
}


# ---- servers ------------------------------------------------------------------------


def uvicorn_options() -> list[str]:
    """The same uvicorn settings for both servers; uvloop/httptools only if installed."""
    options = ["--workers", "1", "--log-level", "warning", "--no-access-log"]
    if importlib.util.find_spec("uvloop") is not None:
        options += ["--loop", "uvloop"]
    if importlib.util.find_spec("httptools") is not None:
        options += ["--http", "httptools"]
    return options


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def post_once(port: int, body: bytes) -> tuple[int, bytes]:
    """One POST with the stdlib, for readiness and a correctness check."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("POST", "/", body=body, headers={"Content-Type": CONTENT_TYPE})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextlib.contextmanager
def uvicorn_process(target: str, body: bytes) -> Iterator[tuple[int, list[str]]]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "--app-dir",
        str(BENCH_DIR),
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *uvicorn_options(),
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p
    )
    process = subprocess.Popen(command, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise SystemExit(f"uvicorn exited with {process.returncode}: {command}")
            try:
                status, answer = post_once(port, body)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"uvicorn did not start: {command}") from None
                time.sleep(0.05)
        if status != 200:
            raise SystemExit(f"{target} answered {status} {answer!r} to the bench body")
        yield port, command
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ---- load generators ----------------------------------------------------------------


def ensure_wrk(quick: bool) -> str | None:
    """The wrk binary; installed with apt-get when missing (full runs only)."""
    found = shutil.which("wrk")
    if found or quick:
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise SystemExit("wrk is missing and cannot be installed here (needs root and apt-get)")
    for step in ([apt, "update"], [apt, "install", "-y", "wrk"]):
        print(f"wrk is missing; running: {' '.join(step)}", flush=True)
        subprocess.run(step, check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("apt-get install wrk did not provide a wrk binary")
    return found


def lua_script(body: bytes, directory: Path) -> Path:
    text = body.decode("ascii")
    if "]==]" in text:
        raise ValueError("the body cannot be embedded in a Lua long string")
    script = directory / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f'wrk.headers["Content-Type"] = "{CONTENT_TYPE}"\n'
        f"wrk.body = [==[{text}]==]\n"
    )
    return script


def wrk_command(wrk: str, script: Path, port: int, connections: int, seconds: int) -> list[str]:
    return [
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}/",
    ]


def run_wrk(command: list[str]) -> float:
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    out = done.stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise SystemExit(f"{bad.group(1)} non-2xx responses: the benchmark is not valid\n{out}")
    errors = re.search(r"Socket errors: (.*)", out)
    if errors:
        print(f"  wrk socket errors: {errors.group(1)}", file=sys.stderr)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rps is None:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    return float(rps.group(1))


async def python_load(port: int, body: bytes, connections: int, seconds: float) -> float:
    """Fallback load generator: keep-alive HTTP/1.1 POSTs over asyncio streams."""
    request = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {CONTENT_TYPE}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("ascii") + body
    deadline = time.monotonic() + seconds
    done = 0

    async def worker() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.monotonic() < deadline:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                if not 200 <= status < 300:
                    raise SystemExit(f"non-2xx response {status}: the benchmark is not valid")
                length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                await reader.readexactly(int(length.group(1)) if length else 0)
                done += 1
        finally:
            writer.close()

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return done / (time.monotonic() - started)


# ---- where the time goes --------------------------------------------------------------


def core_breakdown(body: bytes, calls: int = 3000, repeat: int = 7) -> list[tuple[str, float]]:
    """Median microseconds per call of each step ``ahandle`` takes, in this process."""
    import timeit

    from b24botevents.convert import event_from_tree
    from b24botevents.verify import read_envelope
    from b24botevents.wire import to_tree

    dp = make_b24_app().dispatcher
    tree = to_tree(body, content_type=CONTENT_TYPE)
    event = event_from_tree(tree)
    loop = asyncio.new_event_loop()

    async def handle_many() -> None:
        for _ in range(calls):
            await dp.ahandle(body, content_type=CONTENT_TYPE)

    async def dispatch_many() -> None:
        for _ in range(calls):
            await dp.adispatch(event)

    steps = {
        "decode the form body (to_tree)": lambda: to_tree(body, content_type=CONTENT_TYPE),
        "verify the token (read_envelope + check)": lambda: dp.verifier.check(read_envelope(tree)),
        "build the typed event (event_from_tree)": lambda: event_from_tree(tree),
        "dispatch to one async handler (adispatch)": lambda: loop.run_until_complete(
            dispatch_many()
        ),
        "all of it (ahandle)": lambda: loop.run_until_complete(handle_many()),
    }
    looped = {"dispatch to one async handler (adispatch)", "all of it (ahandle)"}
    rows = []
    try:
        for name, step in steps.items():
            number = 1 if name in looped else calls
            times = timeit.repeat(step, number=number, repeat=repeat)
            rows.append((name, statistics.median(times) / calls * 1e6))
    finally:
        loop.close()
    return rows


# ---- main ---------------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: one 1 s round each")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (full run)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args(argv)

    body = BODY_FILE.read_bytes().strip()
    rounds, seconds = (1, 1) if args.quick else (args.rounds, args.duration)
    wrk = ensure_wrk(args.quick)
    generator = "wrk" if wrk else "python asyncio client (FALLBACK: wrk missing; quick only)"

    results: dict[str, list[float]] = {name: [] for name in SERVERS}
    commands: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        script = lua_script(body, Path(tmp))
        ports = {}
        for name, target in SERVERS.items():
            ports[name], commands[name] = stack.enter_context(uvicorn_process(target, body))
        for round_no in range(rounds):
            order = list(SERVERS) if round_no % 2 == 0 else list(reversed(SERVERS))
            for name in order:
                port = ports[name]
                if wrk:
                    if not args.quick and round_no == 0:  # warm-up, discarded
                        run_wrk(wrk_command(wrk, script, port, args.connections, 2))
                    rps = run_wrk(wrk_command(wrk, script, port, args.connections, seconds))
                else:
                    rps = asyncio.run(python_load(port, body, args.connections, seconds))
                results[name].append(rps)
                print(f"round {round_no + 1} {name}: {rps:,.0f} rps", file=sys.stderr)

    medians = {name: statistics.median(values) for name, values in results.items()}
    ratio = medians["b24botevents ASGIApp"] / medians["bare Starlette"]
    import starlette
    import uvicorn

    print()
    print(
        f"Machine: nproc={os.cpu_count()}, CPU: {cpu_model()}, "
        f"Python {platform.python_version()}, uvicorn {uvicorn.__version__}, "
        f"Starlette {starlette.__version__}"
    )
    print(f"Load generator: {generator}; {rounds} alternating round(s) of {seconds} s each")
    if wrk:
        shown = wrk_command(wrk, Path("post.lua"), 0, args.connections, seconds)
        print(f"Command: `{' '.join(shown[:-1])} http://127.0.0.1:PORT/`")
    options = " ".join(uvicorn_options())
    print(f"Servers: `uvicorn --factory --app-dir bench bench_asgi:<factory> {options}`")
    print(f"Body: {BODY_FILE.name} ({len(body)} bytes, {CONTENT_TYPE})")
    print()
    print("| server | rps per round | median rps | µs per request | vs bare Starlette |")
    print("|---|---|---:|---:|---:|")
    for name, values in results.items():
        rounds_text = ", ".join(f"{value:,.0f}" for value in values)
        share = medians[name] / medians["bare Starlette"]
        micros = 1e6 / medians[name]
        print(f"| {name} | {rounds_text} | {medians[name]:,.0f} | {micros:.0f} | {share:.0%} |")
    met = ratio >= TARGET
    verdict = "met" if met else "MISSED"
    print()
    print(f"ASGIApp / Starlette = {ratio:.2f} (target >= {TARGET:.2f}: {verdict})")
    if not args.quick:
        print()
        print("Where ASGIApp's extra time goes (the core, in-process, median per event):")
        print()
        print("| step | µs per event |")
        print("|---|---:|")
        for step, micros in core_breakdown(body):
            print(f"| {step} | {micros:.1f} |")
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    raise SystemExit(main())
