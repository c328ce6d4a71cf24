"""The version is written once (``_version.py``) and CHANGELOG.md agrees with it.

CHANGELOG.md follows Keep a Changelog: ``## [Unreleased]`` on top, then one
``## [X.Y.Z] - YYYY-MM-DD`` section per release, newest first. The rule tying it to
``__version__``: a development or pre-release version (``0.1.0.dev0``, ``1.0.0rc1``) is
work towards a release that is not in the changelog yet, so the newest section is
``[Unreleased]`` and the version is above every release listed; a final version has been
released, so the newest release section is exactly that version.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from packaging.version import Version

from b24botevents import __version__
from b24botevents import _version as version_module

ROOT = Path(__file__).resolve().parents[2]
HEADING = re.compile(r"^## (.*)$", re.M)
RELEASE = re.compile(r"\[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})")


def _sections() -> list[str]:
    return HEADING.findall((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))


def _releases() -> list[tuple[Version, datetime.date]]:
    releases = []
    for heading in _sections():
        if heading == "[Unreleased]":
            continue
        match = RELEASE.fullmatch(heading)
        assert match, f"a CHANGELOG heading is neither [Unreleased] nor a release: {heading!r}"
        version = Version(match["version"])
        assert str(version) == match["version"], f"{heading}: not a normalised version"
        releases.append((version, datetime.date.fromisoformat(match["date"])))
    return releases


def test_the_version_is_a_normalised_pep_440_version_written_once() -> None:
    assert str(Version(__version__)) == __version__
    assert version_module.__version__ is __version__
    # hatch reads it from _version.py, nowhere else; pyproject.toml has no version of its own.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"' in pyproject
    assert not re.search(r"^version\s*=", pyproject, re.M)
    assert 'path = "src/b24botevents/_version.py"' in pyproject


def test_the_changelog_matches_the_version() -> None:
    sections = _sections()
    assert sections, "CHANGELOG.md has no sections"
    assert sections.count("[Unreleased]") <= 1
    if "[Unreleased]" in sections:
        assert sections[0] == "[Unreleased]", "[Unreleased] goes on top"
    releases = _releases()
    assert releases == sorted(releases, reverse=True), "releases go newest first"
    version = Version(__version__)
    if version.is_devrelease or version.is_prerelease:
        assert sections[0] == "[Unreleased]", f"{version} is unreleased work: say so on top"
        assert all(version > released for released, _ in releases), (
            f"{version} is not above the releases listed"
        )
    else:
        assert releases, f"{version} is a release: CHANGELOG.md needs its section"
        assert releases[0][0] == version, f"the newest release section is not [{version}]"
