"""The top-level face: what ``b24botevents`` exports, and what importing it costs.

``__all__`` is the contract; every name in it resolves, the static imports mypy reads list
the same names, and the data/value classes and codecs live in their subpackages only.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import b24botevents
from b24botevents import models, stores, verify, wire

INIT = Path(b24botevents.__file__)


def _type_checking_names() -> set[str]:
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            return {
                alias.asname or alias.name
                for statement in node.body
                if isinstance(statement, ast.ImportFrom)
                for alias in statement.names
            }
    raise AssertionError("no TYPE_CHECKING block in b24botevents/__init__.py")


def test_every_exported_name_resolves() -> None:
    for name in b24botevents.__all__:
        assert getattr(b24botevents, name) is not None, name


def test_the_face_stays_about_60_names() -> None:
    # Each event class is top-level (the five im.v2 user events brought it near 60).
    assert 40 <= len(b24botevents.__all__) <= 68
    assert len(set(b24botevents.__all__)) == len(b24botevents.__all__)


PORTAL_NAMES = {
    "PortalRecord",
    "PortalStore",
    "MemoryPortalStore",
    "SQLitePortalStore",
    "InstallRequest",
    "InstallReason",
}


def test_the_portal_record_model_is_exported_and_the_token_store_is_gone() -> None:
    assert set(b24botevents.__all__) >= PORTAL_NAMES
    assert "RedisPortalStore" in b24botevents._EXPORTS  # by name only: it needs the extra
    old = {"TokenStore", "MemoryTokenStore", "SQLiteTokenStore", "RedisTokenStore"}
    assert not old & set(b24botevents._EXPORTS)
    assert b24botevents.PortalRecord is stores.PortalRecord
    assert b24botevents.InstallRequest is verify.InstallRequest
    assert b24botevents.InstallReason is verify.InstallReason
    assert b24botevents.RedisPortalStore is stores.RedisPortalStore


def test_static_imports_match_the_lazy_table() -> None:
    lazy = set(b24botevents._EXPORTS)
    assert _type_checking_names() == lazy
    # Redis and REST need extras: reachable by name, but a star import must need neither.
    assert lazy - set(b24botevents.__all__) == {
        "RedisDedupStore",
        "RedisPortalStore",
        "RestClient",
        "OAuthApp",
        "WebhookAuth",
        "OnlineInstallCheck",
        "AsyncOnlineInstallCheck",
        "Poller",
    }
    assert set(b24botevents.__all__) - lazy == {"__version__"}


def test_events_are_top_level_and_data_classes_are_not() -> None:
    for name in models.__all__:
        value = getattr(models, name)
        is_event = name.startswith("Any") or (
            isinstance(value, type) and issubclass(value, models.Event)
        )
        assert (name in b24botevents.__all__) == is_event, name


def test_codecs_live_in_wire_only() -> None:
    for name in wire.__all__:
        assert name not in b24botevents.__all__, name
        assert getattr(wire, name) is not None


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchName"):
        getattr(b24botevents, "NoSuchName")  # noqa: B009 - the name is the point


def test_dir_lists_the_lazy_names() -> None:
    assert set(b24botevents._EXPORTS) <= set(dir(b24botevents))


def _modules_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_importing_the_package_loads_next_to_nothing() -> None:
    loaded = _modules_after("import b24botevents")
    assert not {"attrs", "cattrs", "asyncio", "sqlite3"} & loaded
    assert not any(name.startswith("b24botevents.") for name in loaded - {"b24botevents._version"})


def test_a_first_parse_loads_neither_asyncio_nor_the_dispatcher() -> None:
    body = "event=ONIMBOTDELETE&data%5BBOT_ID%5D=1&data%5BBOT_CODE%5D=x"
    loaded = _modules_after(f"import b24botevents\nb24botevents.parse_event({body!r})")
    assert "b24botevents.models" in loaded
    assert not {"asyncio", "sqlite3", "b24botevents.dispatcher", "b24botevents.stores"} & loaded


def test_dir_shows_the_face_not_the_module_s_own_imports() -> None:
    listed = set(dir(b24botevents))
    assert not {"importlib", "Any", "TYPE_CHECKING"} & listed
    assert set(b24botevents.__all__) <= listed
