"""The wheel built from this tree installs into a fresh virtualenv and works there.

Only the runtime dependencies are installed (attrs, cattrs, typing-extensions), so this
also proves nothing imports a test or optional dependency at import time.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import importlib.metadata as metadata
import pathlib
import b24botevents
event = b24botevents.parse_event("event=ONIMBOTDELETE&data[BOT_ID]=5&data[BOT_CODE]=x")
assert event.bot_id == 5, event
assert (pathlib.Path(b24botevents.__file__).parent / "py.typed").is_file()
assert metadata.requires("b24botevents") is not None
names = {e.name for e in metadata.entry_points(group="console_scripts")}
assert "b24botevents" in names, names
import importlib.util
plugins = {e.name: e.value for e in metadata.entry_points(group="pytest11")}
assert plugins.get("b24botevents") == "pytest_b24botevents", plugins
assert importlib.util.find_spec("pytest_b24botevents") is not None  # shipped beside it
print("ok", b24botevents.__version__)
"""


def test_the_wheel_installs_into_a_fresh_virtualenv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)],
        check=True,
        timeout=300,
    )
    (wheel,) = dist.glob("b24botevents-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True,
        timeout=300,
    )
    result = subprocess.run(
        [str(python), "-c", CHECK], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.startswith("ok ")
    sample = subprocess.run(
        [str(env_dir / "bin" / "b24botevents"), "sample", "ONIMBOTDELETE"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert sample.stdout.startswith("event=ONIMBOTDELETE&")
