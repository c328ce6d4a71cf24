"""docs/fetch-mode.md stays true: its examples run, and its tables match the poller.

Every ```python block runs in a fresh namespace (against the fake Bitrix24) in a
temporary working directory (the examples open ``offsets.db``), except one whose fence is
preceded by ``<!-- not run -->`` (a sketch that needs a real portal or names objects
from another block); those must still compile. The pacing table names the poller's
defaults, the metrics table every ``PollerMetrics`` field, and the page links the
README and the architecture page link back.
"""

from __future__ import annotations

import contextlib
import inspect
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import attrs
import pytest

from b24botevents.poller import Poller, PollerMetrics
from doc_blocks import runnable_and_sketches

ROOT = Path(__file__).resolve().parents[2]

DOC = ROOT / "docs" / "fetch-mode.md"


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


RUNNABLE, SKETCHES = runnable_and_sketches(DOC)


@contextlib.contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Fail an example that hangs (a poller that never stops) instead of the whole run."""
    if not hasattr(signal, "SIGALRM"):  # pragma: no cover - not POSIX
        yield
        return

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"the example did not finish in {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _section(title: str) -> str:
    return _text().split(f"\n## {title}", 1)[1].split("\n## ", 1)[0]


def test_the_page_has_runnable_examples_and_sketches() -> None:
    assert len(RUNNABLE) >= 8
    assert SKETCHES


@pytest.mark.parametrize(
    ("line", "runs", "source"), RUNNABLE, ids=[f"line{b[0]}" for b in RUNNABLE]
)
def test_example_runs(
    line: int, runs: bool, source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = compile(source, f"docs/fetch-mode.md:{line}", "exec")
    with _deadline(60):
        exec(code, {"__name__": "docs_example"})  # noqa: S102


@pytest.mark.parametrize(
    ("line", "runs", "source"), SKETCHES, ids=[f"line{b[0]}" for b in SKETCHES]
)
def test_sketch_compiles(line: int, runs: bool, source: str) -> None:
    compile(source, f"docs/fetch-mode.md:{line}", "exec")


def test_the_pacing_table_gives_the_pollers_defaults() -> None:
    defaults = {
        name: param.default
        for name, param in inspect.signature(Poller).parameters.items()
        if param.default is not inspect.Parameter.empty
    }
    table = _section("Pacing, retries and errors")
    rows = dict(re.findall(r"^\| `([a-z_]+)`[^|]*\| ([^|]+) \|", table, re.MULTILINE))
    assert rows["min_interval"] == f"{defaults['min_interval']} s"
    assert rows["idle_interval"] == f"{defaults['idle_interval']} s"
    assert rows["limit"] == str(defaults["limit"])
    assert f"{defaults['backoff_base']} s, {defaults['backoff_max']} s" in table
    lease = _section("Offset stores and the lease")
    assert f"`lease_retry` seconds ({defaults['lease_retry']:g} s)" in lease
    assert f"`lease_ttl` ({defaults['lease_ttl']:g} s)" in lease


def test_the_metrics_table_names_every_field() -> None:
    first_cells = re.findall(r"^\| ([^|]+)\|", _section("Metrics"), re.MULTILINE)
    documented = set(re.findall(r"`([a-z_]+)`", " ".join(first_cells)))
    assert documented == {field.name for field in attrs.fields(PollerMetrics)}


def test_the_readme_and_the_architecture_page_link_here() -> None:
    assert "(docs/fetch-mode.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "(fetch-mode.md)" in architecture
    assert "| `fetch.py` |" in architecture
    assert "| `poller/` |" in architecture
