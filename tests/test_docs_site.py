"""The docs site hangs together: the nav, the README's links, the links into the repository.

``mkdocs build --strict`` (run by ``scripts/test``) fails on a broken link between pages
or a page left out of the nav; this module checks what it cannot see: that the README,
which PyPI and GitHub show, links every page of the nav and the site itself, and that
every link from a page to a file of the repository on GitHub names a path that exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
REPO_URL = "https://github.com/b24botevents/b24botevents"
_REPO_LINK = re.compile(re.escape(REPO_URL) + r"/(?:tree|blob)/main/([^)\s#>]*)")


def _nav_pages(items: Any) -> Iterator[str]:
    for item in items:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            yield from _nav_pages(value)
        else:
            yield value


def _config() -> dict[str, Any]:
    # mkdocs.yml uses no custom tags, so the safe loader reads it.
    config: dict[str, Any] = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    return config


def test_every_docs_page_is_in_the_nav() -> None:
    nav = set(_nav_pages(_config()["nav"]))
    pages = {page.relative_to(ROOT / "docs").as_posix() for page in (ROOT / "docs").rglob("*.md")}
    assert pages == nav


def test_the_readme_links_every_page_of_the_site() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [page for page in _nav_pages(_config()["nav"]) if f"(docs/{page})" not in readme]
    assert not [page for page in missing if not page.startswith("reference/api/")], missing
    assert "(docs/reference/api/index.md)" in readme
    assert _config()["site_url"] in readme


def test_the_site_is_the_documentation_url_of_the_package() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # no tomllib on 3.10
    assert f'Documentation = "{_config()["site_url"]}"' in pyproject


def test_links_into_the_repository_name_paths_that_exist() -> None:
    pages = [*(ROOT / "docs").rglob("*.md"), ROOT / "README.md", *ROOT.glob("examples/*/*.md")]
    links = [
        (page.name, path)
        for page in pages
        for path in _REPO_LINK.findall(page.read_text(encoding="utf-8"))
    ]
    assert len(links) > 5
    missing = [(page, path) for page, path in links if not (ROOT / path).exists()]
    assert not missing
