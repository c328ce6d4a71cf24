"""Each framework adapter, imported without its framework, names the extra to install.

Flask and Django are hidden along with their already imported submodules; FastAPI and
aiohttp by their top-level module.
"""

from __future__ import annotations

import importlib
import sys

import pytest


@pytest.mark.parametrize(
    ("module", "extra"),
    [("fastapi", "fastapi"), ("aiohttp", "aiohttp")],
)
def test_a_missing_framework_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, module: str, extra: str
) -> None:
    adapter = f"b24botevents.contrib.{module}"
    monkeypatch.delitem(sys.modules, adapter, raising=False)
    monkeypatch.setitem(sys.modules, module, None)  # makes "import <module>" fail
    with pytest.raises(ImportError, match=rf"pip install 'b24botevents\[{extra}\]'"):
        importlib.import_module(adapter)


@pytest.mark.parametrize(
    ("module", "framework", "extra"),
    [
        ("b24botevents.contrib.flask", "flask", "flask"),
        ("b24botevents.contrib.django", "django", "django"),
    ],
)
def test_missing_framework_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, module: str, framework: str, extra: str
) -> None:
    monkeypatch.delitem(sys.modules, module)
    for name in [name for name in sys.modules if name.split(".")[0] == framework]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=rf"pip install 'b24botevents\[{extra}\]'"):
        importlib.import_module(module)
