"""The pytest plugin: the ``b24_portal`` fixture in a user's test run, and a cheap import."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

USER_TESTS = """
from b24botevents import BotDeleteEvent, Dispatcher, MemoryPortalStore
from b24botevents.testing import Portal, PortalClient


def make_dp(seen):
    dp = Dispatcher(portal_store=MemoryPortalStore())

    @dp.on("ONIMBOTDELETE")
    def on_delete(event: BotDeleteEvent) -> None:
        seen.append(event.bot_id)

    return dp


def test_fixture_is_a_portal_client(b24_portal):
    assert isinstance(b24_portal, PortalClient)
    assert isinstance(b24_portal.portal, Portal)


def test_install_and_delete(b24_portal):
    seen = []
    dp = make_dp(seen)
    b24_portal.install(dp)
    assert b24_portal.bot_delete(dp, 567, "BOT").status == 200
    assert seen == [567]


SEEN = []


def test_first_portal(b24_portal):
    SEEN.append(b24_portal.portal.member_id)


def test_each_test_gets_a_new_portal(b24_portal):
    SEEN.append(b24_portal.portal.member_id)
    assert len(set(SEEN)) == 2
"""


@pytest.fixture
def isolated(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """An inner pytest that loads only what it is told to (entry points off).

    With the package installed, the entry point would load the plugin by itself and an
    explicit ``-p`` would register it twice; with autoload off, ``-p`` works either way.
    """
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return pytester


def test_the_fixture_works_in_a_users_test_run(isolated: pytest.Pytester) -> None:
    isolated.makepyfile(test_user=USER_TESTS)
    result = isolated.runpytest("-p", "pytest_b24botevents", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_without_the_plugin_the_fixture_is_missing(isolated: pytest.Pytester) -> None:
    isolated.makepyfile(test_user=USER_TESTS)
    result = isolated.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=4)
    result.stdout.fnmatch_lines(["*fixture 'b24_portal' not found*"])


def test_the_fixture_is_listed_with_its_docstring(isolated: pytest.Pytester) -> None:
    isolated.makepyfile(test_user="def test_nothing(): pass\n")
    result = isolated.runpytest("-p", "pytest_b24botevents", "--fixtures", "-q")
    result.stdout.fnmatch_lines(["b24_portal*", "*PortalClient*"])


def test_the_entry_point_names_the_plugin_module() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = pyproject.partition("[project.entry-points.pytest11]")[2].partition("\n[")[0]
    assert re.search(r'^b24botevents\s*=\s*"pytest_b24botevents"$', section, re.M)


def test_the_plugin_imports_cheaply_and_without_side_effects() -> None:
    probe = """
import json, logging, sys
before_modules = set(sys.modules)
handlers = {name: list(logging.getLogger(name).handlers) for name in ("", "b24botevents")}
import pytest_b24botevents as plugin
new = sorted(set(sys.modules) - before_modules)
print(json.dumps({
    "new": new,
    "public": sorted(n for n in vars(plugin) if not n.startswith("_")),
    "handlers_same": handlers == {
        name: list(logging.getLogger(name).handlers) for name in ("", "b24botevents")
    },
}))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    report = json.loads(done.stdout)
    heavy = {"httpx", "uvicorn", "wsgiref", "http.client", "b24botevents.cli", "redis"}
    assert heavy.isdisjoint(report["new"])
    # Nothing of the package itself: projects that never use the fixture pay nothing.
    assert not [name for name in report["new"] if name.startswith("b24botevents")]
    assert report["handlers_same"] is True
    assert "b24_portal" in report["public"]
    assert not [name for name in report["public"] if name.startswith("pytest_")]  # no hooks
