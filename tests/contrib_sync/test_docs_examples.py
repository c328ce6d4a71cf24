"""The examples in docs/adapters/{wsgi,flask,django}.md compile, and run as documented.

wsgi.md and flask.md are imported as ``bot_app`` from a temporary directory and driven
through a test client; django.md's one-file project runs in a subprocess (it configures
Django's settings itself), both as ``python bot_app.py check`` and as an imported module.
"""

from __future__ import annotations

import atexit
import importlib
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import werkzeug.test

import b24botevents

from .helpers import DOC_BODY, FORM, bot_delete_body, install_body

DOCS = Path(__file__).resolve().parents[2] / "docs" / "adapters"
PAGES = ("wsgi.md", "flask.md", "django.md")
SRC = Path(b24botevents.__file__).resolve().parents[1]
DELETED_LINE = "bot 567 (BOT) deleted on some-domain.bitrix24.com"


def python_blocks(page: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", (DOCS / page).read_text("utf-8"), re.M | re.S)


@pytest.mark.parametrize("page", PAGES)
def test_every_python_example_compiles(page: str) -> None:
    blocks = python_blocks(page)
    assert blocks, f"{page} has no python example"
    for number, block in enumerate(blocks):
        assert compile(block, f"{page}[{number}]", "exec") is not None


@pytest.fixture
def bot_app(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ModuleType]:
    """The page's first python block saved as bot_app.py in a temp dir and imported."""
    page: str = request.param
    (tmp_path / "bot_app.py").write_text(python_blocks(page)[0], "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    assert "bot_app" not in sys.modules
    module = importlib.import_module("bot_app")
    try:
        yield module
    finally:
        dp = module.dp
        atexit.unregister(dp.close)
        if hasattr(module.app, "close"):
            atexit.unregister(module.app.close)
        dp.close(timeout=10)
        dp.verifier.store.close()
        del sys.modules["bot_app"]  # not monkeypatch.delitem: its undo would restore it


def exercise(client: werkzeug.test.Client, url: str) -> list[tuple[int, bytes]]:
    answers = []
    for body in (install_body(), DOC_BODY, bot_delete_body(1, token="0" * 32)):
        response = client.post(url, data=body, content_type=FORM)
        answers.append((response.status_code, response.get_data()))
    response = client.get(url)
    answers.append((response.status_code, response.get_data()[:18]))
    return answers


EXPECTED = [
    (200, b"accepted"),
    (200, b"accepted"),
    (403, b"forbidden: the event could not be verified"),
    (405, b"method not allowed"),
]


@pytest.mark.parametrize("bot_app", ["wsgi.md"], indirect=True)
def test_the_wsgi_example_runs(bot_app: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot_app")
    answers = exercise(werkzeug.test.Client(bot_app.app), "/")
    assert bot_app.app.close(timeout=10) is True
    assert answers == EXPECTED
    assert [r.getMessage() for r in caplog.records if r.name == "bot_app"] == [DELETED_LINE]
    assert Path("tokens.sqlite3").exists()  # in the temp dir


@pytest.mark.parametrize("bot_app", ["flask.md"], indirect=True)
def test_the_flask_example_runs(bot_app: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot_app")
    answers = exercise(bot_app.app.test_client(), "/bitrix24/events")
    assert bot_app.dp.close(timeout=10) is True
    assert answers == EXPECTED
    assert [r.getMessage() for r in caplog.records if r.name == "bot_app"] == [DELETED_LINE]


DJANGO_DRIVER = """
import json, logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s|%(message)s")
import bot_app
from django.test import Client
client = Client(HTTP_HOST="localhost")
answers = []
for body in [bytes.fromhex(h) for h in sys.argv[1:]]:
    r = client.generic("POST", "/bitrix24/events", body, "application/x-www-form-urlencoded")
    answers.append([r.status_code, r.content.decode()])
r = client.get("/bitrix24/events")
answers.append([r.status_code, r.content.decode()[:18]])
answers.append(bot_app.dp.close(timeout=10))
print(json.dumps(answers))
"""


def run_python(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(cwd)])}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_django_example_runs(tmp_path: Path) -> None:
    (tmp_path / "bot_app.py").write_text(python_blocks("django.md")[0], "utf-8")
    check = run_python(["bot_app.py", "check"], tmp_path)
    assert check.returncode == 0, check.stderr
    assert "no issues" in check.stdout
    bodies = [install_body(), DOC_BODY, bot_delete_body(1, token="0" * 32)]
    run = run_python(["-c", DJANGO_DRIVER, *(b.hex() for b in bodies)], tmp_path)
    assert run.returncode == 0, run.stderr
    *answers, closed = json.loads(run.stdout)
    assert [(status, text.encode()) for status, text in answers] == EXPECTED
    assert closed is True
    assert f"bot_app|{DELETED_LINE}" in run.stderr.splitlines()
