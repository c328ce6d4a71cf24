"""What would be uploaded to PyPI, built and checked as a release would be, then installed.

One ``python -m build`` makes the sdist and, from it, the wheel (as a release does); a
second builds a wheel straight from the tree, to prove the sdist loses nothing. Both
dists pass ``twine check --strict``; the wheel's files and METADATA, and the sdist's
files, are checked. The wheel (with the ``[rest]`` extra, which the demo needs, and
pytest, which the README's test example needs) is then installed into one fresh
virtualenv, and everything after that runs there from a directory outside the repo, so
the repo's ``src`` cannot stand in for the installed package: the metadata seen by
``importlib.metadata``, the README's runnable blocks, the README test itself, and
``b24botevents demo`` through the installed entry point.
"""

from __future__ import annotations

import email.parser
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from collections.abc import Iterator
from email.message import Message
from pathlib import Path, PurePosixPath

import attrs
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from b24botevents import __version__
from doc_blocks import python_blocks

ROOT = Path(__file__).resolve().parents[2]
NAME = "b24botevents"
REPO_URL = "https://github.com/b24botevents/b24botevents"
#: What the README's relative links become on PyPI (``[tool.hatch.metadata.hooks...]``).
ABSOLUTE_LINK = re.compile(re.escape(REPO_URL) + r"/(?:blob|tree)/main/")
#: Top-level entries of the sdist: what building, testing, benchmarking and the docs need.
SDIST_TOP = {
    "src",
    "tests",
    "docs",
    "examples",
    "bench",
    "scripts",
    "mkdocs.yml",
    "README.md",
    "CHANGELOG.md",
    "CONTRIBUTING.md",
    "LICENSE",
    "pyproject.toml",
    "PKG-INFO",
    ".gitignore",  # hatchling always adds it
}
#: The extras the README's Install section names.
EXTRAS = {"rest", "redis", "flask", "fastapi", "django", "aiohttp"}
#: Installing a wheel and building take seconds, but a cold pip cache downloads.
PATIENCE = 600


@attrs.frozen
class Dists:
    sdist: Path
    wheel: Path  # built from the sdist, as `python -m build` does for a release
    tree_wheel: Path  # built straight from the tree


@attrs.frozen
class Installed:
    venv: Path
    work: Path  # a directory outside the repo, the working directory of every run there
    env: dict[str, str]

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


def _run(
    args: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run to completion; a failure shows everything it printed."""
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=PATIENCE, check=False
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def _build_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    out = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "build"]
    # The two builds are independent: run them at once (each sets up its own isolated env).
    jobs = [
        subprocess.Popen(
            [*build, "--outdir", str(out / where), *flags, str(ROOT)],
            env=_build_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for where, flags in (("release", []), ("tree", ["--wheel"]))
    ]
    try:
        printed = [job.communicate(timeout=PATIENCE)[0] for job in jobs]
    finally:
        for job in jobs:  # one failed or hung: leave no build behind
            if job.poll() is None:
                job.kill()
                job.communicate()
    for job, output in zip(jobs, printed, strict=True):
        assert job.returncode == 0, output
    (sdist,) = (out / "release").glob("*.tar.gz")
    (wheel,) = (out / "release").glob("*.whl")
    (tree_wheel,) = (out / "tree").glob("*.whl")
    return Dists(sdist, wheel, tree_wheel)


def _wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def _sdist_names(sdist: Path) -> set[str]:
    """The sdist's files, without the ``name-version/`` folder they sit in."""
    with tarfile.open(sdist) as archive:
        members = [m.name for m in archive.getmembers() if m.isfile()]
    prefix = f"{NAME}-{__version__}/"
    assert all(name.startswith(prefix) for name in members), members
    return {name.removeprefix(prefix) for name in members}


def _sdist_text(sdist: Path, name: str) -> str:
    with tarfile.open(sdist) as archive:
        member = archive.extractfile(f"{NAME}-{__version__}/{name}")
        assert member is not None
        return member.read().decode("utf-8")


def _metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(f"{NAME}-{__version__}.dist-info/METADATA")
    return email.parser.Parser().parsestr(raw.decode("utf-8"))  # core metadata is UTF-8


def _description(metadata: Message) -> str:
    body = metadata.get_payload()
    assert isinstance(body, str)
    return body


def _links(markdown: str) -> list[str]:
    """Every link target: inline ``[x](t)`` and images, reference definitions, HTML."""
    inline = re.findall(r"\]\(\s*<?([^)\s>]+)", markdown)
    references = re.findall(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", markdown, re.M)
    html = re.findall(r"""\b(?:href|src)\s*=\s*["']([^"']+)""", markdown)
    return inline + references + html


def test_twine_check_strict_passes_for_the_sdist_and_the_wheel(dists: Dists) -> None:
    done = _run(
        [sys.executable, "-m", "twine", "check", "--strict", str(dists.sdist), str(dists.wheel)]
    )
    assert done.stdout.count("PASSED") == 2, done.stdout


def test_the_wheel_holds_the_package_the_plugin_and_the_license_only(dists: Dists) -> None:
    names = _wheel_names(dists.wheel)
    info = f"{NAME}-{__version__}.dist-info/"
    package = {name for name in names if name.startswith(f"{NAME}/")}
    # Every file of the package's source (in the sdist the wheel was built from), no more.
    source = {
        name.removeprefix("src/")
        for name in _sdist_names(dists.sdist)
        if name.startswith(f"src/{NAME}/")
    }
    assert package == source
    assert f"{NAME}/__init__.py" in package
    assert f"{NAME}/py.typed" in package
    assert f"{NAME}/cli/demo.py" in package
    assert names - package == {
        "pytest_b24botevents.py",
        f"{info}METADATA",
        f"{info}WHEEL",
        f"{info}RECORD",
        f"{info}entry_points.txt",
        f"{info}licenses/LICENSE",
    }
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    assert not [n for n in names if "tests" in PurePosixPath(n).parts or n.startswith("test")]
    with zipfile.ZipFile(dists.wheel) as archive:
        assert archive.read(f"{info}licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
        entry_points = archive.read(f"{info}entry_points.txt").decode()
    assert "b24botevents = b24botevents.cli:main" in entry_points
    assert "[pytest11]\nb24botevents = pytest_b24botevents" in entry_points


def test_the_sdist_builds_the_same_wheel_as_the_tree(dists: Dists) -> None:
    assert _wheel_names(dists.wheel) == _wheel_names(dists.tree_wheel)
    release, tree = _metadata(dists.wheel), _metadata(dists.tree_wheel)
    assert release.items() == tree.items()


def test_the_metadata_is_complete(dists: Dists) -> None:
    metadata = _metadata(dists.wheel)
    assert metadata["Name"] == NAME
    assert metadata["Version"] == __version__
    assert metadata["Requires-Python"] == ">=3.10"
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["Summary"]
    assert metadata["Author"]
    assert metadata["Keywords"]

    requirements = [Requirement(line) for line in metadata.get_all("Requires-Dist") or []]
    always = {canonicalize_name(r.name) for r in requirements if r.marker is None}
    assert always == {"attrs", "cattrs", "typing-extensions"}
    extras = set(metadata.get_all("Provides-Extra") or [])
    assert extras >= EXTRAS
    for extra in extras:
        wanted = [r for r in requirements if r.marker and r.marker.evaluate({"extra": extra})]
        assert wanted, f"the [{extra}] extra installs nothing"
    # Any other marker would make an unconditional dependency depend on the platform.
    assert all("extra ==" in str(r.marker) for r in requirements if r.marker is not None)
    rest = [r for r in requirements if r.marker and r.marker.evaluate({"extra": "rest"})]
    assert "httpx" in {canonicalize_name(r.name) for r in rest}

    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL") or [])
    assert urls == {
        "Homepage": REPO_URL,
        "Documentation": "https://b24botevents.github.io/b24botevents/",
        "Repository": REPO_URL,
        "Issues": f"{REPO_URL}/issues",
        "Changelog": f"{REPO_URL}/blob/main/CHANGELOG.md",
    }

    classifiers = set(metadata.get_all("Classifier") or [])
    assert {
        "Operating System :: OS Independent",
        "Framework :: AsyncIO",
        "Framework :: Django",
        "Framework :: FastAPI",
        "Framework :: Flask",
        "Framework :: aiohttp",
        "Framework :: Pytest",
        "Environment :: Web Environment",
        "Intended Audience :: Developers",
        "Topic :: Communications :: Chat",
        "Typing :: Typed",
        "Programming Language :: Python :: 3 :: Only",
    } <= classifiers
    # PEP 639: with License-Expression, "License ::" classifiers are not allowed.
    assert not [c for c in classifiers if c.startswith("License ::")]
    # One classifier per supported minor version, from Requires-Python up.
    minors = sorted(
        int(c.rsplit(".", 1)[1])
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    )
    assert minors == list(range(10, minors[-1] + 1))


def test_the_long_description_is_the_readme_with_links_that_work_on_pypi(
    dists: Dists,
) -> None:
    metadata = _metadata(dists.wheel)
    assert metadata["Description-Content-Type"] == "text/markdown"
    description = _description(metadata)
    readme = _sdist_text(dists.sdist, "README.md")  # the README this wheel was built from
    # The README, word for word, except that its relative links now name the repository.
    assert ABSOLUTE_LINK.sub("", description) == ABSOLUTE_LINK.sub("", readme)
    assert description != readme, "the README's relative links were not rewritten"
    links = _links(description)
    assert links
    relative = [t for t in links if not re.match(r"(?:https?://|mailto:|#)", t)]
    assert relative == [], "relative links 404 on PyPI"
    # Each rewritten link names something that exists in the repository.
    for target in links:
        where = ABSOLUTE_LINK.match(target)
        if where is None:
            continue
        path, kind = target[where.end() :].split("#")[0], where.group(0).split("/")[-3]
        assert (ROOT / path).exists(), target
        assert (ROOT / path).is_dir() == (kind == "tree"), (
            f"{target}: a folder is linked as tree/ (end the link with /), a file as blob/"
        )


def _ignored_by_git(root: Path) -> list[str]:
    patterns = [
        line.strip()
        for line in (root / ".gitignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    # The matcher below handles only name patterns (no "/" inside, no "!"): say so loudly.
    assert all("/" not in p.rstrip("/") and not p.startswith("!") for p in patterns), patterns
    return [p.rstrip("/") for p in patterns]


def test_the_sdist_holds_what_building_testing_and_the_docs_need(dists: Dists) -> None:
    names = _sdist_names(dists.sdist)
    assert {PurePosixPath(n).parts[0] for n in names} == SDIST_TOP
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    assert {"scripts/test", "tests/conftest.py", "src/pytest_b24botevents.py"} <= names
    # Every file of these folders that git would keep is there (a new example, a new test).
    ignored = _ignored_by_git(ROOT)
    for top in sorted(t for t in SDIST_TOP if (ROOT / t).is_dir()):
        kept = {
            path.relative_to(ROOT).as_posix()
            for path in (ROOT / top).rglob("*")
            if path.is_file()
            and not any(
                fnmatch.fnmatch(part, p) for part in path.relative_to(ROOT).parts for p in ignored
            )
        }
        assert kept, top
        assert kept <= names, sorted(kept - names)


# --- the wheel, installed ---------------------------------------------------------------


@pytest.fixture(scope="module")
def installed(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=True, clear=True)
    python = env_dir / "bin" / "python"
    _run(
        [
            str(python),
            *("-m", "pip", "install", "-q", "--disable-pip-version-check"),
            f"{dists.wheel}[rest]",
            "pytest",
        ]
    )
    work = tmp_path_factory.mktemp("outside-the-repo")
    assert ROOT not in work.parents
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing may put the repo on the path, or hand the outer pytest's options on.
        if key not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"}
        and not key.startswith("PYTEST_")
    }
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(env_dir)
    env["B24_RELEASE_VENV"] = str(env_dir)
    yield Installed(env_dir, work, env)
    shutil.rmtree(env_dir, ignore_errors=True)


CHECK = """
import sys
before = set(sys.modules)
import b24botevents
event = b24botevents.parse_event("event=ONIMBOTDELETE&data[BOT_ID]=5&data[BOT_CODE]=x")
assert event.bot_id == 5, event
# Importing and parsing need only the runtime dependencies, httpx installed or not.
loaded = {name.partition(".")[0] for name in set(sys.modules) - before}
extra = loaded - set(sys.stdlib_module_names) - {
    "b24botevents", "attr", "attrs", "cattr", "cattrs", "typing_extensions", "exceptiongroup"
}
assert not extra, sorted(extra)

import importlib.metadata as metadata
import importlib.util
import os
import pathlib
package = pathlib.Path(b24botevents.__file__).resolve()
assert pathlib.Path(os.environ["B24_RELEASE_VENV"]).resolve() in package.parents, package
assert (package.parent / "py.typed").is_file()
scripts = {e.name: e.value for e in metadata.entry_points(group="console_scripts")}
assert scripts.get("b24botevents") == "b24botevents.cli:main", scripts
plugins = {e.name: e.value for e in metadata.entry_points(group="pytest11")}
assert plugins.get("b24botevents") == "pytest_b24botevents", plugins
assert importlib.util.find_spec("pytest_b24botevents") is not None  # shipped beside it
print(metadata.version("b24botevents"), b24botevents.__version__)
"""


def test_the_installed_package_is_the_wheel_with_its_version(installed: Installed) -> None:
    done = _run(
        [str(installed.python), "-W", "error", "-c", CHECK], cwd=installed.work, env=installed.env
    )
    assert done.stdout.split() == [__version__, __version__]
    pip_check = _run(
        [str(installed.python), "-m", "pip", "check", "--disable-pip-version-check"],
        env=installed.env,
    )
    assert "No broken requirements" in pip_check.stdout


def _summary(pytest_output: str) -> dict[str, int]:
    """``{"passed": 4}`` from pytest's last line; every outcome it names."""
    last = pytest_output.strip().splitlines()[-1]
    return {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", last)}


#: Runs a README block as a script, once it has checked which b24botevents it imports.
RUN_BLOCK = """
import os, pathlib, runpy, sys
import b24botevents
package = pathlib.Path(b24botevents.__file__).resolve()
assert pathlib.Path(os.environ["B24_RELEASE_VENV"]).resolve() in package.parents, package
runpy.run_path(sys.argv[1], run_name="__main__")
"""

#: The same check for pytest runs, with pytester (tests/test_readme.py uses it).
CONFTEST = '''"""Written by tests/release: pytester, and proof the wheel is what is tested."""
import os
import pathlib

import b24botevents

pytest_plugins = ["pytester"]
_package = pathlib.Path(b24botevents.__file__).resolve()
assert pathlib.Path(os.environ["B24_RELEASE_VENV"]).resolve() in _package.parents, _package
'''


def test_every_runnable_readme_block_runs_against_the_wheel(installed: Installed) -> None:
    blocks = [(line, source) for line, runs, source in python_blocks(ROOT / "README.md") if runs]
    tests = [(line, source) for line, source in blocks if re.search(r"^def test_", source, re.M)]
    scripts = [block for block in blocks if block not in tests]
    assert scripts
    assert tests
    for line, source in scripts:
        where = installed.work / f"script-{line}"
        where.mkdir()  # a fresh directory: a block may write files (portals.db)
        (where / "block.py").write_text(source, encoding="utf-8")
        done = _run(
            [str(installed.python), "-W", "error", "-c", RUN_BLOCK, "block.py"],
            cwd=where,
            env=installed.env,
        )
        assert done.stderr == "", f"README.md:{line}\n{done.stderr}"
    # The test blocks under a plain `pytest`: the fixtures come from the plugin's entry point.
    where = installed.work / "readme-tests"
    where.mkdir()
    (where / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    for line, source in tests:
        (where / f"test_readme_line_{line}.py").write_text(source, encoding="utf-8")
    done = _run(
        [str(installed.python), "-m", "pytest", "-p", "no:cacheprovider", "-W", "error", "-q"],
        cwd=where,
        env=installed.env,
    )
    expected = sum(len(re.findall(r"^def test_", source, re.M)) for _, source in tests)
    assert _summary(done.stdout) == {"passed": expected}, done.stdout


def test_the_readme_test_passes_against_the_wheel(installed: Installed) -> None:
    where = installed.work / "readme-test"
    # The repo's layout, in small: the README beside tests/, as tests/test_readme.py expects.
    (where / "tests").mkdir(parents=True)
    shutil.copy(ROOT / "README.md", where / "README.md")
    for helper in ("test_readme.py", "doc_blocks.py"):
        shutil.copy(ROOT / "tests" / helper, where / "tests" / helper)
    (where / "tests" / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    done = _run(
        [str(installed.python), "-m", "pytest", "-p", "no:cacheprovider", "-W", "error", "-q"],
        cwd=where,
        env=installed.env,
    )
    source = (where / "tests" / "test_readme.py").read_text(encoding="utf-8")
    tests = len(re.findall(r"^def test_", source, re.M))
    assert tests >= 3
    assert _summary(done.stdout) == {"passed": tests}, done.stdout


def test_the_demo_runs_from_the_installed_entry_point(installed: Installed) -> None:
    done = _run(
        [
            str(
                installed.venv / "bin" / NAME,
            ),
            "demo",
        ],
        cwd=installed.work,
        env=installed.env,
    )
    out = done.stdout
    assert done.stderr == ""
    assert out.startswith("b24botevents demo\n")
    steps = re.findall(r"^\[(\d+)/(\d+)\] ", out, re.M)
    total = len(steps)
    assert total >= 5
    assert steps == [(str(n), str(total)) for n in range(1, total + 1)]
    assert "UNEXPECTED" not in out
    assert f"All {total} steps went as expected." in out
    # With the [rest] extra the bot answers: the demo shows its REST calls to the portal.
    assert re.search(r"^ +portal: +imbot\.v2\.Chat\.Message\.send", out, re.M), out
