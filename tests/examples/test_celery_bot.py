"""``examples/celery_bot`` for real: a receiver over HTTP, Celery over a real Redis, workers
in processes of their own, one of them SIGKILLed in the middle of a handler.

Every message must be recorded exactly once (the handlers' Redis effect, committed with
the event's done mark) and answered; a forged request must get 403 and a repeated one
``duplicate``, neither reaching the queue; no token may travel through the broker or
show in a worker's output. After a kill, the message whose handler was running is
redelivered: recorded once, answered twice (its reply came before the kill: the
documented limit), every other one answered once.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from pathlib import Path

from b24botevents.testing import app_install_body

from .celery_support import CLIENT_SECRET, celery_rig, message_body

MESSAGES = 6


def test_each_event_is_queued_once_and_handled_once(tmp_path: Path) -> None:
    with celery_rig(tmp_path) as rig:
        portal = rig.portal
        assert rig.post(app_install_body(portal=portal)) == (200, "ok")
        bodies = [message_body(portal, n) for n in range(MESSAGES)]
        for body in bodies:
            assert rig.post(body) == (200, "ok")
        assert rig.post(bodies[3]) == (200, "duplicate")  # Bitrix24 delivering twice
        forged = message_body(portal.with_application_token(), 99)
        assert rig.post(forged)[0] == 403

        # No worker yet: what the broker holds is what the receiver queued.
        queued = rig.queued()
        assert [args[0]["event"] for _, args in queued] == [
            *["ONIMBOTV2MESSAGEADD"] * MESSAGES,
            "ONAPPINSTALL",
        ]  # the list is pushed on the left: the oldest is last
        assert len({args[1] for _, args in queued}) == MESSAGES + 1  # one key per event
        secrets = (*portal.tokens(), *portal.bot_tokens(456), CLIENT_SECRET)
        for raw, args in queued:  # the stored message, and its base64 body decoded
            decoded = json.dumps(args)
            assert "***" in decoded  # the tokens are there, masked
            assert not any(secret.encode() in raw for secret in secrets)
            assert not any(secret in decoded for secret in secrets)

        rig.start_worker()
        expected = sorted(f"{portal.member_id}:{1000 + n}" for n in range(MESSAGES))
        rig.wait(lambda: len(rig.handled()) >= MESSAGES and rig.drained(), "every event handled")
        assert sorted(rig.handled()) == expected, rig.logs()
        assert Counter(rig.replies()) == {f"You said: message {n}": 1 for n in range(MESSAGES)}
        assert len(rig.fake.calls_to("imbot.v2.Bot.register")) == 1  # the install, on a worker
        assert [bot.code for bot in rig.fake.bots if bot.code == "celery_echo"] == ["celery_echo"]
        assert len(rig.redis.keys("celery_bot:done:*")) == MESSAGES + 1
        output = rig.logs()
        assert output.count("ONIMBOTV2MESSAGEADD") >= MESSAGES  # one log line each, at least
        assert not any(secret in output for secret in secrets)


def test_a_worker_killed_mid_handler_loses_nothing_and_records_nothing_twice(
    tmp_path: Path,
) -> None:
    with celery_rig(tmp_path, visibility_timeout=2.0) as rig:
        portal = rig.portal
        first = rig.start_worker(handler_delay=0.4)
        assert rig.post(app_install_body(portal=portal)) == (200, "ok")
        for n in range(MESSAGES):
            assert rig.post(message_body(portal, n)) == (200, "ok")

        # A handler has replied and not committed yet: it is asleep before the commit.
        rig.wait(lambda: len(rig.replies()) > len(rig.handled()) >= 2, "a handler mid-run")
        first.kill()
        committed, replied = rig.handled(), rig.replies()
        recorded = {f"You said: message {int(item[-4:]) - 1000}" for item in committed}
        in_flight = set(replied) - recorded
        assert len(in_flight) == 1, (committed, replied)
        assert rig.redis.hlen("unacked") == 1  # its task, taken and never acknowledged

        rig.start_worker()  # comes back after the visibility timeout, at a sweep
        rig.wait(lambda: len(rig.handled()) >= MESSAGES and rig.drained(), "every event handled")
        expected = sorted(f"{portal.member_id}:{1000 + n}" for n in range(MESSAGES))
        assert sorted(rig.handled()) == expected, rig.logs()
        counts = Counter(rig.replies())
        assert set(counts) == {f"You said: message {n}" for n in range(MESSAGES)}
        assert {text for text, count in counts.items() if count > 1} == in_flight
        assert max(counts.values()) == 2
        assert len(rig.redis.keys("celery_bot:done:*")) == MESSAGES + 1


def test_a_prefork_child_killed_mid_handler_hands_its_task_back_at_once(tmp_path: Path) -> None:
    """Only the child dies: its parent rejects the task back to the queue
    (``reject_on_worker_lost``), without waiting for the 300 s visibility timeout."""
    with celery_rig(tmp_path) as rig:
        portal = rig.portal
        worker = rig.start_worker(handler_delay=0.4, pool="prefork")
        assert rig.post(app_install_body(portal=portal)) == (200, "ok")
        for n in range(3):
            assert rig.post(message_body(portal, n)) == (200, "ok")
        rig.wait(lambda: len(rig.replies()) > len(rig.handled()) >= 1, "a handler mid-run")
        (child,) = worker.children()
        os.kill(child, signal.SIGKILL)
        rig.wait(lambda: len(rig.handled()) >= 3 and rig.drained(), "every event", timeout=20)
        assert worker.process.poll() is None  # the parent lives on, with a new child
        assert sorted(rig.handled()) == sorted(f"{portal.member_id}:{1000 + n}" for n in range(3))
        counts = Counter(rig.replies())
        assert set(counts) == {f"You said: message {n}" for n in range(3)}
        assert sorted(counts.values()) == [1, 1, 2]  # the killed run's reply, sent again
        assert "WorkerLostError" in worker.output()
