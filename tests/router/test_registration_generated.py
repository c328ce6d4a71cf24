"""``src/b24botevents/_registration.py`` is generated from the models; this test keeps it so.

The typed overloads of ``Router.on`` (one per modelled code, one per cross-version union)
are rendered from ``b24botevents.models.EVENT_TYPES`` and the ``Any...Event`` unions, then
formatted with ruff. The test fails when the file is stale; rewrite it with
``python tests/router/test_registration_generated.py --write``.
"""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

from b24botevents import models

TARGET = Path(__file__).resolve().parents[2] / "src" / "b24botevents" / "_registration.py"

HEADER = '''"""Generated: the typed overloads of ``Router.on``, one per modelled event code.

Do not edit by hand. ``python tests/router/test_registration_generated.py --write``
renders it from ``b24botevents.models.EVENT_TYPES`` and the cross-version ``Any...Event``
unions, and that test fails when this file is stale. ``Router`` supplies ``_register``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar, overload
'''


def unions() -> dict[str, tuple[type[models.Event], ...]]:
    """The cross-version unions the models export, by name, with their event classes."""
    found: dict[str, tuple[type[models.Event], ...]] = {}
    for name in models.__all__:
        value = getattr(models, name)
        if name.startswith("Any") and isinstance(value, types.UnionType):
            found[name] = value.__args__
    return found


def render() -> str:
    classes = list(dict.fromkeys(models.EVENT_TYPES.values()))
    groups = unions()
    names = sorted({cls.__name__ for cls in classes})
    lines = [HEADER, "from .models import (", *(f"    {name}," for name in names), ")", ""]
    lines.append('AnyHandler = TypeVar("AnyHandler", bound=Callable[[Any], object])')
    for cls in classes:
        var = f"{cls.__name__}Handler"
        lines.append(f'{var} = TypeVar("{var}", bound=Callable[[{cls.__name__}], object])')
    for union_name, union_members in groups.items():
        var = f"{union_name}Handler"
        bound = " | ".join(cls.__name__ for cls in union_members)
        lines.append(f'{var} = TypeVar("{var}", bound=Callable[[{bound}], object])')
    lines += [
        "",
        "",
        "class TypedRegistration:",
        '    """``on(code, ...)``, typed for every modelled code: mypy checks the handler."""',
        "",
        "    __slots__ = ()",
        "",
        "    def _register(self, codes: tuple[str, ...]) -> Callable[[AnyHandler], AnyHandler]:",
        "        raise NotImplementedError",
        "",
    ]
    for code, cls in models.EVENT_TYPES.items():
        var = f"{cls.__name__}Handler"
        lines += [
            "    @overload",
            f'    def on(self, code: Literal["{code}"], /) -> Callable[[{var}], {var}]: ...',
        ]
    for union_name, members in groups.items():
        var = f"{union_name}Handler"
        codes = ", ".join(f'"{code}"' for cls in members for code in cls.CODES)
        params = ", ".join(
            f"code{'' if index == 0 else index + 1}: Literal[{codes}]"
            for index in range(len(members))
        )
        lines += [
            "    @overload",
            f"    def on(self, {params}, /) -> Callable[[{var}], {var}]: ...",
        ]
    lines += [
        "    @overload",
        "    def on(self, code: str, /, *codes: str) -> Callable[[AnyHandler], AnyHandler]: ...",
        "",
        "    def on(self, code: str, /, *codes: str) -> Callable[[AnyHandler], AnyHandler]:",
        '        """Register the decorated function for one or more event codes (any case).',
        "",
        "        For a literal code with a model, mypy checks the handler's parameter type:",
        '        ``@router.on("ONIMBOTDELETE")`` expects ``Callable[[BotDeleteEvent], ...]``.',
        '        """',
        "        return self._register((code, *codes))",
        "",
    ]
    return format_source("\n".join(lines))


def format_source(source: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(TARGET), "-"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
        cwd=TARGET.parents[2],
    )
    return result.stdout


def test_registration_overloads_are_current() -> None:
    assert TARGET.read_text(encoding="utf-8") == render(), (
        "src/b24botevents/_registration.py is stale: run "
        "python tests/router/test_registration_generated.py --write"
    )


def test_every_modelled_code_has_an_overload() -> None:
    text = TARGET.read_text(encoding="utf-8")
    for code in models.EVENT_TYPES:
        assert f'Literal["{code}"]' in text


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        TARGET.write_text(render(), encoding="utf-8")
        print(f"wrote {TARGET}")
    else:
        sys.exit("usage: python tests/router/test_registration_generated.py --write")
