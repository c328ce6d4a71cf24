"""The rig of the Celery example's tests: real Redis, real worker processes, real HTTP.

``celery_rig(tmp_path)`` starts a throw-away ``redis-server``, serves a ``FakeBitrix24``
on 127.0.0.1 with one portal, and serves the example's receiver (``make_receiver``) over
a real WSGI server on 127.0.0.1; ``Rig.start_worker()`` runs ``celery -A
celery_bot.worker worker`` in a process group of its own (killed on the way out).
``message_body`` builds distinct ONIMBOTV2MESSAGEADD bodies; ``queued`` reads the
messages waiting in the broker's queue, decoded as a worker would get them.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import redis

from b24botevents.testing import FORM_CONTENT_TYPE, FakeBitrix24, Portal, sample_body
from b24botevents.wire import encode_form, parse_form
from redis_server import start_redis_server

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))

from celery_bot.handlers import HANDLED  # noqa: E402
from celery_bot.receiver import Receiver, make_receiver  # noqa: E402
from celery_bot.settings import Settings  # noqa: E402

CLIENT_ID = "local.celery.test"
CLIENT_SECRET = "celery-test-client-secret"
WAIT = 45.0  # seconds, at most, for anything the rig waits for
KILL_WAIT = 10.0


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


def message_body(portal: Portal, number: int) -> str:
    """A v2 message to the bot, ``message <number>`` with message id 1000 + number."""
    tree = parse_form(sample_body("ONIMBOTV2MESSAGEADD", portal=portal))
    tree["data"]["message"]["id"] = str(1000 + number)
    tree["data"]["message"]["text"] = f"message {number}"
    return encode_form(tree)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Worker:
    """One ``celery worker`` process, leader of its own process group."""

    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """SIGKILL the whole group: the worker gets no chance to ack or hand anything back."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(KILL_WAIT)

    def stop(self) -> None:
        """SIGTERM (Celery's warm shutdown), SIGKILL if that takes too long."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(KILL_WAIT)
        if self.process.poll() is None:
            self.kill()

    def children(self) -> list[int]:
        """The pids of the worker's child processes (a prefork pool's), from ``/proc``."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # gone meanwhile
            if int(fields[1]) == self.process.pid:  # state, then the parent's pid
                found.append(int(stat.parent.name))
        return found

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Rig:
    fake: FakeBitrix24
    portal: Portal
    settings: Settings
    url: str  # the receiver's
    redis: redis.Redis
    receiver: Receiver
    tmp_path: Path
    workers: list[Worker] = field(default_factory=list)

    def post(self, body: str) -> tuple[int, str]:
        request = urllib.request.Request(  # noqa: S310 - the rig's own 127.0.0.1 server
            self.url, data=body.encode(), headers={"Content-Type": FORM_CONTENT_TYPE}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                return int(answer.status), answer.read().decode()
        except urllib.error.HTTPError as refused:
            with refused:
                return int(refused.code), refused.read().decode()

    def start_worker(self, *, handler_delay: float = 0.0, pool: str = "solo") -> Worker:
        settings = dataclasses.replace(self.settings, handler_delay=handler_delay)
        log = self.tmp_path / f"worker-{len(self.workers) + 1}.log"
        paths = [str(EXAMPLES), *filter(None, [os.environ.get("PYTHONPATH")])]
        env = {**os.environ, **settings.to_env(), "PYTHONPATH": os.pathsep.join(paths)}
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "celery_bot.worker", "worker",
                    f"--pool={pool}", "--concurrency=1", "-Q", settings.queue,
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                    "--loglevel=INFO", f"--hostname=worker{len(self.workers) + 1}@%h",
                ],
                cwd=str(self.tmp_path),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as one
            )  # fmt: skip
        worker = Worker(process, log)
        self.workers.append(worker)
        return worker

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
        """``wait_until``, failing at once when every worker started has exited, and with
        the workers' output either way."""

        def met() -> bool:
            if self.workers and all(w.process.poll() is not None for w in self.workers):
                raise AssertionError(f"no worker is running, waiting for {what}\n{self.logs()}")
            return condition()

        try:
            wait_until(met, what, timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.logs()}") from None

    def logs(self) -> str:
        return "\n".join(f"--- {w.log.name}:\n{w.output()}" for w in self.workers)

    def handled(self) -> list[str]:
        """What the handlers committed: ``"<member_id>:<message_id>"`` per message."""
        return [_text(item) for item in self.redis.lrange(HANDLED, 0, -1)]

    def replies(self) -> list[str]:
        return [message.text for message in self.fake.messages]

    def drained(self) -> bool:
        """Nothing waits in the queue and nothing is taken but unacknowledged."""
        return self.redis.llen(self.settings.queue) == 0 and self.redis.hlen("unacked") == 0

    def queued(self) -> list[tuple[bytes, list[Any]]]:
        """The messages waiting in the queue: each raw, and its decoded task arguments."""
        found = []
        for raw in self.redis.lrange(self.settings.queue, 0, -1):
            message = json.loads(raw)
            assert message["properties"]["body_encoding"] == "base64"
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            found.append((_text(raw).encode(), list(args)))
        return found


@contextmanager
def celery_rig(tmp_path: Path, *, visibility_timeout: float = 300.0) -> Iterator[Rig]:
    server = start_redis_server()
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random()
    fake.add_portal(portal)
    client = redis.Redis.from_url(server.url, socket_timeout=10.0)
    try:
        with fake.serve() as fake_url:
            settings = Settings(
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                public_url="https://bot.example.com/events",
                redis_url=server.url,
                queue="celery-bot-test",
                visibility_timeout=visibility_timeout,
                restore_interval=0.5,
                fake_url=fake_url,
            )
            receiver = make_receiver(settings)
            http = make_server("127.0.0.1", 0, receiver.app, handler_class=_Quiet)
            thread = threading.Thread(target=http.serve_forever, daemon=True)
            thread.start()
            rig = Rig(
                fake=fake,
                portal=portal,
                settings=settings,
                url=f"http://127.0.0.1:{http.server_port}/events",
                redis=client,
                receiver=receiver,
                tmp_path=tmp_path,
            )
            try:
                yield rig
            finally:
                for worker in rig.workers:
                    worker.stop()
                http.shutdown()
                http.server_close()
                receiver.close()
    finally:
        client.close()
        server.stop()
