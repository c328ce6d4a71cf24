"""Run the FastAPI bot against a fake Bitrix24 and a throw-away Redis, as one command.

``python examples/fastapi_bot/run_with_fake.py`` starts ``redis-server`` (from PATH) on a
free port, serves ``b24botevents.testing.FakeBitrix24`` (the portal's REST API and the
OAuth server) on 127.0.0.1, and runs the app in its own process the way README.md says,
``python -m uvicorn fastapi_bot.app:create_app_from_env --factory``, configured through
the ``FASTAPI_BOT_*`` variables. It plays a user's session at it over real HTTP: install,
a v1 and a v2 message, ``/help``; then stops the app with SIGTERM (it finishes what it
runs) and starts a fresh process on the same Redis, which knows the portal from there:
one more message, a forged event, the uninstall, a message after it. It prints the
conversation as the fake portal recorded it and what the app logged, and exits 1 unless
everything went as it should.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import quote_plus

import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/, for fastapi_bot

from b24botevents import RedisPortalStore
from b24botevents.testing import (
    FORM_CONTENT_TYPE,
    FakeBitrix24,
    Portal,
    app_install_body,
    app_uninstall_body,
    sample_body,
)
from fastapi_bot.app import BOT_CODE, EVENTS_PATH, HELP

EXAMPLES = Path(__file__).resolve().parents[1]
CLIENT_ID = "local.fastapi.example"
CLIENT_SECRET = "fastapi-example-secret"  # noqa: S105 - the fake app's, made up
HOST = "127.0.0.1"
#: Every wait is bounded: a start, a reply, a stop.
START_TIMEOUT = 30.0
REPLY_TIMEOUT = 15.0
STOP_TIMEOUT = 30.0
#: How uvicorn exits after its graceful shutdown on SIGTERM: it re-raises the signal.
CLEAN_STOP = -signal.SIGTERM

_V2_TEXT = "data%5Bmessage%5D%5Btext%5D=Hello+bot%21"


def v2_message(portal: Portal, text: str) -> str:
    """The sample ONIMBOTV2MESSAGEADD of ``portal`` with ``text`` as the message."""
    body = sample_body("ONIMBOTV2MESSAGEADD", portal=portal)
    assert body.count(_V2_TEXT) == 1, "the sample's text changed"
    return body.replace(_V2_TEXT, "data%5Bmessage%5D%5Btext%5D=" + quote_plus(text))


def v1_help_command(portal: Portal) -> str:
    """The sample ONIMCOMMANDADD (``echo``) of ``portal`` as ``help``."""
    return sample_body("ONIMCOMMANDADD", portal=portal).replace("=echo", "=help")


def forged(portal: Portal) -> Portal:
    """``portal`` as someone who knows its ids but not its application_token."""
    return portal.evolve(application_token="f" * 32)


def post(url: str, body: str) -> tuple[int, str]:
    """POST a form body; the status and the answer's text (refusals included)."""
    request = urllib.request.Request(  # noqa: S310 - our own 127.0.0.1 URL
        url, data=body.encode(), headers={"Content-Type": FORM_CONTENT_TYPE}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return int(answer.status), answer.read().decode()
    except urllib.error.HTTPError as refused:
        return int(refused.code), refused.read().decode()


def wait_until(condition: Callable[[], bool], timeout: float = REPLY_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, a bounded wait, SIGKILL if it must; the exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)
    return int(process.returncode)


@contextmanager
def redis_server(workdir: str) -> Iterator[str]:
    """A ``redis-server`` on a free port, persistence off, for the block: its URL."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise SystemExit("redis-server is not on PATH (apt-get install redis-server)")
    for _attempt in range(3):  # a port found free can be taken before the server binds it
        port = _free_port()
        args = ["--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"]
        process = subprocess.Popen(
            [executable, *args, "--dir", workdir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if _comes_up(process, partial(_pings, port)):
            break
    else:
        raise SystemExit("redis-server did not start")
    try:
        yield f"redis://{HOST}:{port}/0"
    finally:
        _stop(process)


def _pings(port: int) -> bool:
    client = redis.Redis(host=HOST, port=port, socket_connect_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _comes_up(process: subprocess.Popen[bytes], ready: Callable[[], bool]) -> bool:
    """Whether ``process`` got ready in time; if not, it is stopped."""
    if wait_until(lambda: ready() or process.poll() is not None, START_TIMEOUT) and (
        process.poll() is None
    ):
        return True
    _stop(process)
    return False


@dataclass
class AppProcess:
    """The app under uvicorn in a process of its own; ``status`` once stopped."""

    url: str
    process: subprocess.Popen[bytes]
    status: int | None = None


def app_environment(redis_url: str, fake_url: str) -> dict[str, str]:
    """The ``FASTAPI_BOT_*`` settings that point the app at the fake and at ``redis_url``."""
    return {
        "FASTAPI_BOT_CLIENT_ID": CLIENT_ID,
        "FASTAPI_BOT_CLIENT_SECRET": CLIENT_SECRET,
        "FASTAPI_BOT_PUBLIC_URL": "https://bot.example.com" + EVENTS_PATH,
        "FASTAPI_BOT_REDIS_URL": redis_url,
        "FASTAPI_BOT_OAUTH_TOKEN_URL": f"{fake_url}/oauth/token/",
        "FASTAPI_BOT_OAUTH_SERVER_URL": f"{fake_url}/oauth/rest/",
        "FASTAPI_BOT_PORTAL_URL": fake_url,  # test rigs only: the fake answers every portal
    }


@contextmanager
def app_process(settings: Mapping[str, str], log: Path) -> Iterator[AppProcess]:
    """Run the app with uvicorn on 127.0.0.1 until the block ends, then SIGTERM it.

    Its output goes to ``log`` (appended). Ready once ``GET /healthz`` answers.
    """
    env = {**os.environ, **settings}
    for _attempt in range(3):  # as above: the port may be taken before uvicorn binds it
        port = _free_port()
        with log.open("ab") as out:
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "uvicorn",
                    "fastapi_bot.app:create_app_from_env", "--factory",
                    "--app-dir", str(EXAMPLES),
                    "--host", HOST, "--port", str(port),
                    "--log-level", "warning", "--no-access-log",
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        url = f"http://{HOST}:{port}"
        if _comes_up(process, partial(_healthy, url)):
            break
    else:
        raise SystemExit(f"the app did not start; its log:\n{log.read_text(errors='replace')}")
    running = AppProcess(url, process)
    try:
        yield running
    finally:
        running.status = _stop(process)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:  # noqa: S310
            return int(answer.status) == 200
    except OSError:  # refused while it starts (URLError is an OSError)
        return False


@dataclass
class Step:
    what: str
    body: str
    status: int  # the answer expected at once
    replies: int = 0  # messages the bot posts afterwards, in the background
    #: Another thing the bot does afterwards (it has ``REPLY_TIMEOUT``): what, and when done.
    then: tuple[str, Callable[[], bool]] | None = None


def main() -> int:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random(domain="fastapi-demo.bitrix24.com")
    fake.add_portal(portal)
    registered = (
        "the bot and its /help are registered",
        lambda: [command.command for command in fake.commands] == ["help"],
    )
    first_run = [
        Step("the app is installed", app_install_body(portal=portal), 200, then=registered),
        Step('a user writes "Hello" (v1)', sample_body("ONIMBOTMESSAGEADD", portal=portal), 200, 1),
        Step('a user writes "Hello bot!" (v2)', v2_message(portal, "Hello bot!"), 200, 1),
        Step("a user sends /help (v1 command)", v1_help_command(portal), 200, 1),
    ]
    second_run = [
        Step('a user writes "Still there?" (v2)', v2_message(portal, "Still there?"), 200, 1),
        Step("a forged event (wrong application_token)", v2_message(forged(portal), "x"), 403),
        Step("the app is uninstalled", app_uninstall_body(portal=portal), 200),
        Step("a user writes after the uninstall", v2_message(portal, "Anyone?"), 403),
    ]
    with tempfile.TemporaryDirectory() as workdir, redis_server(workdir) as redis_url:
        logs = [Path(workdir) / "app-1.log", Path(workdir) / "app-2.log"]
        with fake.serve() as fake_url:
            settings = app_environment(redis_url, fake_url)
            with app_process(settings, logs[0]) as first:
                ok = _play(first.url, first_run, fake)
                # SIGTERM right after the answer, while the reply is still on its way
                # (the fake holds it half a second): the app sends it before it stops.
                fake.delay_next(0.5, method="imbot.v2.Chat.Message.send")
                status, _ = post(first.url + EVENTS_PATH, v2_message(portal, "Bye for now"))
                print(f'a user writes "Bye for now" (v2): {status}, and the app gets SIGTERM')
                ok &= status == 200
            print(f"  the app stopped: {_how(first.status)}")
            print(f"  the bot answered before it stopped: {fake.messages[-1].text}")
            ok &= fake.messages[-1].text == "You said: Bye for now"
            in_redis = _stored(redis_url, portal.member_id)
            print(f"Redis holds the portal's record and tokens: {in_redis}")
            print("a new app process on the same Redis:")
            with app_process(settings, logs[1]) as second:
                ok &= _play(second.url, second_run, fake)
            print(f"  the app stopped: {_how(second.status)}")
        app_logs = [log.read_text(errors="replace").splitlines() for log in logs]
    print()
    print("What the bot did on the portal:")
    for call in fake.calls:
        print(f"  {call.method} -> {call.status}")
    said = [message.text for message in fake.messages]
    print("What the bot said:")
    for text in said:
        print(f"  {text}")
    for number, lines in enumerate(app_logs, 1):
        print(f"What the app logged (process {number}):")
        for line in lines:
            print(f"  {line}")
    expected = [
        "You said: Hello",
        "You said: Hello bot!",
        HELP,
        "You said: Bye for now",
        "You said: Still there?",
    ]
    bots = [bot for bot in fake.bots if bot.code == BOT_CODE]
    stopped = all(
        status == CLEAN_STOP and "stopped; " in lines[-1]
        for status, lines in zip((first.status, second.status), app_logs, strict=True)
    )
    ok = ok and in_redis and said == expected and len(bots) == 1 and stopped
    print()
    print("The FastAPI bot works." if ok else "The FastAPI bot did NOT answer as expected.")
    return 0 if ok else 1


def _how(status: int | None) -> str:
    # uvicorn shuts down on SIGTERM, then raises the signal again: the exit says SIGTERM.
    return "after a clean shutdown" if status == CLEAN_STOP else f"exit status {status}"


def _stored(redis_url: str, member_id: str) -> bool:
    """Whether Redis holds the portal, installed, with its OAuth tokens."""
    store = RedisPortalStore(redis_url)
    try:
        record = store.get(member_id)
    finally:
        store.close()
    return record is not None and record.installed and record.credentials is not None


def _play(url: str, steps: list[Step], fake: FakeBitrix24) -> bool:
    """Post each step's body; check its status, then wait for the replies it brings."""
    ok = True
    for step in steps:
        before = len(fake.messages)
        status, text = post(url + EVENTS_PATH, step.body)
        print(f"{step.what}: {status} {text.split(':')[0]}")
        ok &= status == step.status
        if step.replies:
            arrived = wait_until(partial(_at_least, fake, before + step.replies))
            ok &= arrived
            for message in fake.messages[before:]:
                print(f"  the bot answers ({message.method}): {message.text}")
        if step.then is not None:
            what, done = step.then
            happened = wait_until(done)
            ok &= happened
            print(f"  {what}: {happened}")
    return ok


def _at_least(fake: FakeBitrix24, count: int) -> bool:
    return len(fake.messages) >= count


if __name__ == "__main__":
    raise SystemExit(main())
