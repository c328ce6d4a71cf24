"""Each framework adapter, imported without its framework, names the extra to install."""

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
