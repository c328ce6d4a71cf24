"""The ``fake_bitrix24`` and ``fake_bitrix24_url`` fixtures in a user's test run, and the
kit's lazy import of the fake (``import b24botevents.testing`` needs no httpx)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpcore  # noqa: F401  (loaded before pytester snapshots sys.modules: see isolated)
import pytest

import b24botevents.testing as kit
from b24botevents.testing import fake_bitrix24 as fake_module

SRC = Path(__file__).resolve().parents[2] / "src"

USER_TESTS = """
import httpx

from b24botevents.testing import FakeBitrix24, Portal

SEEN = []


def test_the_fixture_is_a_new_fake(fake_bitrix24):
    assert isinstance(fake_bitrix24, FakeBitrix24)
    SEEN.append(fake_bitrix24)
    portal = Portal.random()
    fake_bitrix24.add_portal(portal)
    transport = fake_bitrix24.transport()
    with httpx.Client(transport=transport, base_url="http://fake.bitrix24.test") as client:
        answer = client.post(
            "/rest/imbot.message.add",
            json={"auth": portal.access_token, "BOT_ID": 5, "DIALOG_ID": "1", "MESSAGE": "hi"},
        )
    assert answer.json()["result"] == 1
    assert [m.text for m in fake_bitrix24.messages] == ["hi"]


def test_each_test_gets_its_own_fake(fake_bitrix24):
    SEEN.append(fake_bitrix24)
    assert SEEN[0] is not SEEN[1]
    assert fake_bitrix24.messages == []


def test_the_url_fixture_serves_that_fake(fake_bitrix24, fake_bitrix24_url):
    assert fake_bitrix24.base_url == fake_bitrix24_url
    portal = Portal.random()
    fake_bitrix24.add_portal(portal)
    hook = fake_bitrix24.add_webhook(portal)
    assert hook.startswith(fake_bitrix24_url + "/rest/1/")
    answer = httpx.post(hook + "profile.json", json={})
    assert answer.json()["result"]["ID"] == "1"
    with open("served_url.txt", "w") as out:
        out.write(fake_bitrix24_url)
"""


@pytest.fixture
def isolated(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """An inner pytest loading the plugin from this source tree, nothing else automatically.

    The plugin module is imported afresh from ``src`` (an installed copy beside the
    package may be older than the source under test). The in-process inner run drops the
    modules it imported when it ends, so httpx's lazily imported httpcore is imported
    here first, or later httpx calls of this process would see a second copy of it.
    """
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.syspath_prepend(str(SRC))
    monkeypatch.delitem(sys.modules, "pytest_b24botevents", raising=False)
    return pytester


def test_the_fixtures_work_in_a_users_test_run(isolated: pytest.Pytester) -> None:
    isolated.makepyfile(test_user=USER_TESTS)
    outcome = isolated.runpytest("-p", "pytest_b24botevents", "-p", "no:cacheprovider")
    outcome.assert_outcomes(passed=3)
    served = urlsplit((isolated.path / "served_url.txt").read_text(encoding="utf-8"))
    assert (served.scheme, served.hostname) == ("http", "127.0.0.1")
    assert served.port is not None
    with pytest.raises(ConnectionRefusedError):  # the server ended with its test
        socket.create_connection((served.hostname, served.port), timeout=2).close()


def test_the_fixtures_are_listed_with_their_docstrings(isolated: pytest.Pytester) -> None:
    isolated.makepyfile(test_user="def test_nothing(): pass\n")
    outcome = isolated.runpytest("-p", "pytest_b24botevents", "--fixtures", "-q")
    outcome.stdout.fnmatch_lines(["fake_bitrix24 -- *", "*FakeBitrix24*"])
    outcome.stdout.fnmatch_lines(["fake_bitrix24_url -- *", "*served on 127.0.0.1*"])


def test_the_fake_is_exported_lazily_from_the_kit() -> None:
    assert kit.FakeBitrix24 is fake_module.FakeBitrix24
    for name in ("FakeBitrix24", "FakeBot", "RecordedCall", "RefreshRecord", "SentMessage"):
        assert name in kit.__all__
        assert getattr(kit, name) is getattr(fake_module, name)
    with pytest.raises(AttributeError, match="no_such_name"):
        getattr(kit, "no_such_name")  # noqa: B009


def test_importing_the_kit_loads_neither_httpx_nor_the_fake() -> None:
    probe = """
import json, sys
sys.modules["httpx"] = None  # as if the [rest] extra were not installed
import b24botevents.testing as kit
loaded = sorted(m for m in sys.modules if m.startswith("b24botevents.testing."))
from b24botevents.testing import FakeBitrix24, Portal
fake = FakeBitrix24()
portal = Portal.random()
fake.add_portal(portal)
import urllib.request
with fake.serve() as url:
    request = urllib.request.Request(
        url + "/rest/server.time.json",
        data=json.dumps({"auth": portal.access_token}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        served = json.load(answer)["result"]
try:
    fake.transport()
except ImportError:
    transport = "ImportError"
print(json.dumps({"loaded": loaded, "served": bool(served), "transport": transport}))
"""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    report = json.loads(done.stdout)
    assert not [name for name in report["loaded"] if "fake" in name]
    assert report["served"] is True  # served mode needs no httpx
    assert report["transport"] == "ImportError"  # only the in-process transport does
