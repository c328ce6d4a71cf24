"""What the command prints from a request cannot drive the terminal it is printed on.

Control characters (C0, DEL, the C1 range with its one-byte CSI, U+009B, and the other
non-printables such as bidi overrides) are shown escaped in the one-line displays and in
the JSON of ``parse`` and ``listen --json``; the JSON still decodes to the same values.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from b24botevents import parse_event
from b24botevents.cli import describe_event, main
from b24botevents.cli.display import Printer
from b24botevents.testing import Portal, app_install_body, app_update_body

CSI = "\u009b"  # a terminal's Control Sequence Introducer, in one character
ERASE = f"\x1b[2J{CSI}2J\u202e"  # ESC [ 2J, CSI 2J and a right-to-left override


EXAMPLE = Portal.example()


def printable(text: str) -> bool:
    return all(ch.isprintable() or ch == "\n" for ch in text)


def test_describe_event_escapes_control_characters_in_the_app_version() -> None:
    event = parse_event(app_install_body(portal=EXAMPLE, version=f"1.0{ERASE}"))
    line = describe_event(event)
    assert printable(line)
    assert "version=1.0\\x1b[2J\\x9b2J\\u202e" in line


def test_describe_event_escapes_control_characters_in_the_language() -> None:
    line = describe_event(parse_event(app_install_body(portal=EXAMPLE, language_id=f"en{ERASE}")))
    assert printable(line)
    assert "language=en\\x1b" in line


def test_describe_event_escapes_control_characters_in_the_previous_version() -> None:
    body = app_update_body(portal=EXAMPLE, version="2", previous_version=f"1{ERASE}")
    line = describe_event(parse_event(body))
    assert printable(line)
    assert "previous=1\\x1b" in line


def test_parse_output_escapes_c1_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``json.dumps(ensure_ascii=False)`` escapes C0 controls only: CSI went out raw."""
    portal = EXAMPLE.evolve(domain=f"evil{ERASE}.example")
    body = tmp_path / "body.txt"
    body.write_text(app_install_body(portal=portal), "ascii")
    assert main(["parse", str(body)]) == 0
    out = capsys.readouterr().out
    assert printable(out)
    assert json.loads(out)["event"]["auth"]["domain"] == f"evil{ERASE}.example"


def test_listen_json_output_escapes_c1_control_characters() -> None:
    lines: list[str] = []
    portal = EXAMPLE.evolve(domain=f"evil{ERASE}.example")
    Printer(lines.append, json_output=True).event(parse_event(app_install_body(portal=portal)))
    (text,) = lines
    assert printable(text)
    _, rest = text.split("\n", 1)
    assert json.loads(rest)["event"]["auth"]["domain"] == f"evil{ERASE}.example"
