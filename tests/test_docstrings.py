"""Every public name has a docstring: what ``help()``, an IDE and the API reference show.

For each public module (``public_api.public_modules``: no leading underscore in its path,
``contrib`` adapters and the command line included) the module itself, and every name it
exports (``__all__`` and the lazily loaded ones), must be documented:

* classes and functions by a non-empty docstring of their own (not one inherited);
* on those classes, every public method, property and nested class defined by this
  package, on the class or a base class of this package (a private base included: its
  methods are part of the public class), not what stdlib or attrs supply;
* constants and type aliases by a ``#:`` comment right above the assignment, or a string
  right below it (the two forms the docs toolchain reads), following re-exports to the
  module that assigns them.

attrs fields need no docstring: the event reference documents the model fields.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
from pathlib import Path
from typing import Any

import pytest

from public_api import PACKAGE, exported_names, is_package, load, public_modules

MODULES = public_modules()


def _has_text(doc: object) -> bool:
    return isinstance(doc, str) and bool(doc.strip())


def _ours(obj: object) -> bool:
    return str(getattr(obj, "__module__", "") or "").split(".")[0] == PACKAGE


def _own_doc(obj: Any) -> object:
    # A class's docstring is never inherited through ``__doc__``, but be explicit about it.
    return vars(obj).get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)


def _member_problems(cls: type) -> list[str]:
    """The public members of ``cls`` (and of its bases from this package) without a docstring."""
    problems = []
    for klass in cls.__mro__:
        if not _ours(klass):
            continue
        for name, member in vars(klass).items():
            if name.startswith("_"):
                continue
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            doc: object
            if isinstance(member, (property, functools.cached_property)) or inspect.isfunction(
                member
            ):
                doc = member.__doc__
            elif isinstance(member, type):
                doc = _own_doc(member)
            else:
                continue  # data: class constants, slots, attrs fields
            if not _has_text(doc):
                problems.append(f"{klass.__module__}.{klass.__qualname__}.{name}")
    return problems


def _origin(module_name: str) -> Path:
    spec = importlib.util.find_spec(module_name)
    assert spec is not None, module_name
    assert spec.origin is not None, module_name
    return Path(spec.origin)


def _statements(body: list[ast.stmt]) -> list[list[ast.stmt]]:
    """``body`` and the bodies of its ``if``/``try`` blocks, where an assignment may sit."""
    bodies = [body]
    for node in body:
        if isinstance(node, ast.If):
            bodies += _statements(node.body) + _statements(node.orelse)
        elif isinstance(node, ast.Try):
            bodies += _statements(node.body)
    return bodies


def _assigns(node: ast.stmt, name: str) -> bool:
    if isinstance(node, ast.Assign):
        return any(isinstance(target, ast.Name) and target.id == name for target in node.targets)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name
    return False


def _is_string(node: ast.stmt | None) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def constant_is_documented(module_name: str, name: str) -> bool:
    """Whether the assignment of ``name`` (``module_name``'s, or the module it imports it
    from) has a ``#:`` comment right above it or a string right below it."""
    path = _origin(module_name)
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    package = module_name if path.name == "__init__.py" else module_name.rpartition(".")[0]
    for body in _statements(ast.parse(source).body):
        for index, node in enumerate(body):
            if _assigns(node, name):
                after = body[index + 1] if index + 1 < len(body) else None
                above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
                return _is_string(after) or above.startswith("#:")
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if (alias.asname or alias.name) == name:
                        relative = "." * node.level + (node.module or "")
                        target = importlib.util.resolve_name(relative, package)
                        return constant_is_documented(target, alias.name)
    raise AssertionError(f"{module_name}.{name} is exported but never assigned or imported")


def _problems(module_name: str) -> list[str]:
    module = load(module_name)
    problems = [] if _has_text(module.__doc__) else [f"{module_name} (module)"]
    for name in exported_names(module):
        obj = getattr(module, name)
        if inspect.ismodule(obj):
            continue  # documented as a module of its own
        if inspect.isclass(obj) or inspect.isroutine(obj):
            if not _ours(obj):
                continue  # a third-party name re-exported: its docs are its own
            if not _has_text(_own_doc(obj)):
                problems.append(f"{module_name}.{name}")
            if inspect.isclass(obj):
                problems += _member_problems(obj)
        elif not (name.startswith("__") and name.endswith("__")) and not (
            constant_is_documented(module_name, name)
        ):
            problems.append(f"{module_name}.{name} (no #: comment or docstring)")
    return problems


def test_the_walk_sees_the_public_face() -> None:
    assert {PACKAGE, "b24botevents.models", "b24botevents.rest", "b24botevents.testing"} <= set(
        MODULES
    )
    assert "b24botevents.contrib.flask" in MODULES
    assert not any(part.startswith("_") for name in MODULES for part in name.split("."))
    assert is_package("b24botevents.stores")


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_has_a_docstring(module_name: str) -> None:
    problems = _problems(module_name)
    assert not problems, "undocumented:\n  " + "\n  ".join(dict.fromkeys(problems))


def test_the_checks_catch_what_they_are_for() -> None:
    class Documented:
        """A class."""

        @property
        def bare(self) -> int:
            return 1

        def method(self) -> None:
            """A method."""

    Documented.__module__ = PACKAGE  # as if defined by the package
    assert _member_problems(Documented) == [f"{PACKAGE}.{Documented.__qualname__}.bare"]
    assert constant_is_documented("b24botevents.rest", "BITRIX24_OAUTH_URL")  # via re-export
    assert constant_is_documented("b24botevents.models", "EVENT_TYPES")
