"""docs/reference/api/ documents the whole public API, and only real, public objects.

The pages are mkdocstrings directives (``::: b24botevents.Dispatcher``), some of them a
module with a ``members:`` list. This test reads them and checks that

* every directive, and every listed member, resolves to an object (it is imported), by a
  public path (no component starting with an underscore);
* every name a public package exports (``__all__`` and the lazily loaded names) is in the
  reference: the package root, its subpackages, the top-level modules with an ``__all__``
  (``errors``, ``fetch``) and each ``contrib`` adapter;
* a name that ``b24botevents`` itself exports is shown under ``b24botevents.<name>``, the
  path users import it from, not under the subpackage that defines it.

So a new public name without an entry in the reference fails here.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from public_api import PACKAGE, exported_names, is_package, load, public_modules

PAGES = Path(__file__).resolve().parents[1] / "docs" / "reference" / "api"

#: Public by their path, but not library API, with the reason.
NOT_IN_THE_REFERENCE = {
    "b24botevents.cli": "the command line, documented as a command in docs/cli.md",
}

_DIRECTIVE = re.compile(r"^::: (\S+)\s*$")
_INLINE_MEMBERS = re.compile(r"^\s+members:\s*\[(.*)\]\s*$")
_BLOCK_MEMBERS = re.compile(r"^\s+members:\s*$")
_ITEM = re.compile(r"^\s+- (\S+)\s*$")


def references(text: str) -> list[str]:
    """The dotted paths a page documents: each directive, and ``directive.member`` for each
    name of its ``members:`` list (inline ``[a, b]`` or a block of ``- a`` lines)."""
    found: list[str] = []
    identifier = None
    in_block = False
    for line in text.splitlines():
        directive = _DIRECTIVE.match(line)
        if directive:
            identifier = directive.group(1)
            found.append(identifier)
            in_block = False
            continue
        if identifier is None or not line.startswith("    "):
            identifier, in_block = None, False
            continue
        inline = _INLINE_MEMBERS.match(line)
        if inline:
            found += [f"{identifier}.{name.strip()}" for name in inline.group(1).split(",")]
        elif _BLOCK_MEMBERS.match(line):
            in_block = True
        elif in_block and (item := _ITEM.match(line)):
            found.append(f"{identifier}.{item.group(1)}")
        else:
            in_block = False
    return found


def resolve(path: str) -> object:
    """The object at ``path``, as Python sees it: attributes first, then submodules.

    Attributes win: ``b24botevents.convert.converter`` is the converter instance that the
    package assigns, not its submodule of the same name.
    """
    head, *rest = path.split(".")
    obj: object = importlib.import_module(head)
    prefix = head
    for name in rest:
        prefix = f"{prefix}.{name}"
        try:
            obj = getattr(obj, name)
        except AttributeError:
            obj = importlib.import_module(prefix)
    return obj


def _all_references() -> list[tuple[str, str]]:
    pages = sorted(PAGES.glob("*.md"))
    assert pages, f"no pages in {PAGES}"
    return [(page.name, ref) for page in pages for ref in references(page.read_text("utf-8"))]


REFERENCES = _all_references()


def documented_modules() -> list[str]:
    """The modules whose exports the reference must cover."""
    chosen = []
    for name in public_modules():
        depth = name.count(".")
        top_level = depth <= 1 or (depth == 2 and name.startswith(f"{PACKAGE}.contrib."))
        if not top_level or name in NOT_IN_THE_REFERENCE:
            continue
        if is_package(name) or hasattr(load(name), "__all__"):
            chosen.append(name)
    return chosen


def test_the_pages_parse() -> None:
    text = "::: b24botevents.x\n    options:\n      members: [a, b]\n::: b24botevents.y\n"
    expected = ["b24botevents.x", "b24botevents.x.a", "b24botevents.x.b", "b24botevents.y"]
    assert references(text) == expected
    block = "::: b24botevents.w\n    options:\n      members:\n        - p\n        - q\n"
    assert references(block) == ["b24botevents.w", "b24botevents.w.p", "b24botevents.w.q"]
    assert len(REFERENCES) > 100


@pytest.mark.parametrize(("page", "path"), REFERENCES)
def test_every_directive_resolves_by_a_public_path(page: str, path: str) -> None:
    assert path.split(".")[0] == PACKAGE, f"{page}: {path}"
    private = [part for part in path.split(".") if part.startswith("_") and part != "__version__"]
    assert not private, f"{page}: {path} goes through {private}"
    assert resolve(path) is not None, f"{page}: {path}"


def test_the_required_modules_are_the_public_packages() -> None:
    modules = documented_modules()
    for name in ("models", "wire", "convert", "verify", "stores", "rest", "poller", "testing"):
        assert f"{PACKAGE}.{name}" in modules
    assert {"b24botevents.errors", "b24botevents.fetch", "b24botevents.contrib.flask"} <= set(
        modules
    )
    assert "b24botevents.rest.client" not in modules  # re-exported by b24botevents.rest


@pytest.mark.parametrize("module_name", documented_modules())
def test_every_exported_name_is_in_the_reference(module_name: str) -> None:
    module = load(module_name)
    shown: dict[str, list[object]] = {}
    for _, path in REFERENCES:
        shown.setdefault(path.rpartition(".")[2], []).append(resolve(path))
    missing = [
        name
        for name in exported_names(module)
        if not any(obj is getattr(module, name) for obj in shown.get(name, []))
    ]
    assert not missing, f"not in docs/reference/api/: {module_name}: {', '.join(missing)}"


def test_top_level_names_are_shown_under_the_top_level_path() -> None:
    top = load(PACKAGE)
    wrong = [
        f"{page}: {path} (import it as {PACKAGE}.{name})"
        for page, path in REFERENCES
        if (name := path.rpartition(".")[2]) in top.__all__
        and path != f"{PACKAGE}.{name}"
        and resolve(path) is getattr(top, name)
    ]
    assert not wrong, "\n".join(wrong)
