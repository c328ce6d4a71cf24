"""Run the fetch bot against a fake Bitrix24 on 127.0.0.1, as one command.

``python examples/fetch_bot/run_with_fake.py`` serves ``b24botevents.testing.FakeBitrix24``
on 127.0.0.1, registers the bot over an inbound webhook in fetch mode and queues a user's
messages in the bot's queue. Then it runs ``bot.py``, in a process of its own, three
times on one SQLite offset store, stopping it each time with SIGTERM as a deploy would:

1. the bot answers the three events waiting for it, and is stopped;
2. three more wait; the fake slows the bot's replies, and SIGTERM comes while the bot is
   answering the second: it finishes that event and leaves the third;
3. the bot goes on from what the store says (the second run's page comes again, its
   handled events are skipped), and answers what is written while it runs.

It prints the conversation and checks that every message got exactly one answer (none
lost to a restart, none answered twice), that each restart went on from the offset the
store kept, that every run stopped cleanly, and that nothing is left unacknowledged; it
exits 1 otherwise.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/: the fetch_bot package

from b24botevents.rest import WebhookAuth
from b24botevents.stores import Progress, SQLiteOffsetStore
from b24botevents.testing import FakeBitrix24, Portal
from fetch_bot.bot import HELP, NAME, Settings, make_client, register

HERE = Path(__file__).resolve().parent
#: The fake portal's made-up secrets (the output must never show them).
WEBHOOK_SECRET = "fetchexamplewebhooksecret7"  # noqa: S105
BOT_TOKEN = "fetch-example-bot-token"  # noqa: S105
USER = {"id": 7, "name": "Anna Lee", "firstName": "Anna", "lastName": "Lee", "type": "employee"}
DIALOG = "chat5"
CHAT = {"id": 5, "dialogId": DIALOG, "type": "chat", "name": "Team chat"}
WAIT = 30.0  # seconds for each step, at most


def _message(bot_id: int, message_id: int, text: str) -> dict[str, Any]:
    """An ONIMBOTV2MESSAGEADD's ``data`` in the fetch format: native JSON types, and a
    bot object without ``auth`` (fetch mode sends no tokens)."""
    return {
        "bot": {"id": bot_id, "code": "fetch_echo", "type": "bot", "eventMode": "fetch"},
        "message": {"id": message_id, "chatId": 5, "authorId": USER["id"], "text": text},
        "chat": CHAT,
        "user": USER,
        "language": "en",
    }


def _command(bot_id: int, message_id: int, name: str) -> dict[str, Any]:
    """An ONIMBOTV2COMMANDADD's ``data``: the command ``name`` as its own message."""
    command = {"id": 11, "command": name, "params": "", "context": "textarea"}
    return {**_message(bot_id, message_id, name), "command": command}


class Run:
    """One bot process: ``bot.py`` with the fake's webhook, its output in a file."""

    def __init__(self, bot_id: int, settings: Settings, log: Path) -> None:
        self.log = log
        env = {
            **os.environ,
            "FETCH_BOT_WEBHOOK": settings.webhook,  # the secrets go in the environment
            "FETCH_BOT_TOKEN": settings.bot_token,
        }
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(HERE / "bot.py"),
                    f"--bot-id={bot_id}",
                    f"--offsets={settings.offsets}",
                    f"--idle-interval={settings.idle_interval}",
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> int:
        """SIGTERM, as a deploy sends it: the bot finishes its event and exits 0."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return -1


def _wait_for(what: str, condition: Callable[[], bool], run: Run) -> bool:
    deadline = time.monotonic() + WAIT
    while not condition():
        if run.process.poll() is not None or time.monotonic() > deadline:
            print(f"  gave up waiting for {what}")
            return False
        time.sleep(0.05)
    return True


def main() -> int:
    fake = FakeBitrix24()
    portal = Portal.random(domain="fetch-demo.bitrix24.com")
    fake.add_portal(portal)
    with tempfile.TemporaryDirectory() as workdir, fake.serve():
        settings = Settings(
            webhook=fake.add_webhook(portal, 1, WEBHOOK_SECRET),
            bot_token=BOT_TOKEN,
            offsets=str(Path(workdir) / "offsets.db"),
            idle_interval=1.0,
        )
        log = Path(workdir) / "bot.log"
        print(f"A fake Bitrix24 serves {WebhookAuth(settings.webhook).masked_url}")
        client = make_client(settings)
        try:
            registration = register(client)
        finally:
            client.close()
        bot_id = registration.bot_id
        print(f"Registered bot {bot_id} ({NAME}) over the webhook, eventMode fetch.")

        said: list[str] = []  # what the user wrote, in order
        message_ids = iter(range(1001, 2000))

        def write(text: str, *, command: bool = False) -> int:
            said.append(text)
            if command:
                data = _command(bot_id, next(message_ids), text)
                return fake.push_event(portal, bot_id, "ONIMBOTV2COMMANDADD", data)
            data = _message(bot_id, next(message_ids), text)
            return fake.push_event(portal, bot_id, "ONIMBOTV2MESSAGEADD", data)

        def answered() -> bool:
            return len(fake.messages) >= len(said)

        def first_offset_of(run_started: int) -> int | None:
            offsets = fake.event_offsets
            return offsets[run_started].offset if run_started < len(offsets) else None

        def stored() -> Progress:
            """What the bot's offset store holds now (it is a file: any process reads it)."""
            with SQLiteOffsetStore(settings.offsets) as store:
                return store.load(f"{WebhookAuth(settings.webhook).host}/{bot_id}")

        exits: list[int] = []
        ok = True

        # Run 1: three events wait in the queue; the bot answers them, then a deploy stops it.
        first = [write("Hello"), write("How are you?"), write("/help", command=True)]
        print(f"\nRun 1: events {first[0]}-{first[-1]} are queued; the bot starts.")
        run = Run(bot_id, settings, log)
        ok = _wait_for("the answers of run 1", answered, run) and ok
        exits.append(run.stop())
        after_1 = stored()
        print(f"  all answered; SIGTERM: the bot exits with status {exits[-1]}")
        print(f"  stored: offset {after_1.offset}, handled up to event {after_1.handled}")

        # Run 2: three more; the fake slows the bot's first two replies, and SIGTERM comes
        # while the second is on its way: the bot finishes that event and leaves the third.
        fake.delay_next(1.5, method="imbot.v2.Chat.Message.send", times=2)
        second = [write("Still there?"), write("We are deploying you."), write("Did it go well?")]
        print(f"Run 2: events {second[0]}-{second[-1]} are queued; the bot starts again.")
        started = len(fake.event_offsets)
        run = Run(bot_id, settings, log)
        ok = _wait_for("run 2's first answer", lambda: len(fake.messages) > len(first), run) and ok
        exits.append(run.stop())
        after_2 = stored()
        resumed_2 = first_offset_of(started)
        print(f"  its first poll sent offset {resumed_2}, which acknowledges run 1's events")
        print(f"  SIGTERM while it answers: status {exits[-1]}")
        print(f"  stored: offset {after_2.offset}, handled up to event {after_2.handled}")

        # Run 3: the rest of that page, and what is written while it runs.
        started = len(fake.event_offsets)
        run = Run(bot_id, settings, log)
        last = [write("/help"), write("Bye!")]
        print(f"Run 3: the bot starts again; events {last[0]}-{last[-1]} come while it runs.")
        ok = (
            _wait_for(
                "the answers of run 3 and their acknowledgement",
                lambda: answered() and not fake.pending_events(portal, bot_id),
                run,
            )
            and ok
        )
        time.sleep(0.3)  # room for an answer that must not come
        exits.append(run.stop())
        resumed_3 = first_offset_of(started)
        again = ": run 2's page came again" if after_2.offset == after_1.offset else ""
        print(f"  its first poll sent offset {resumed_3}{again}")
        if after_2.offset is not None and (after_2.handled or 0) >= after_2.offset:
            low, high = after_2.offset, after_2.handled
            events = f"event {low} was" if low == high else f"events {low}-{high} were"
            print(f"  {events} answered by run 2, so skipped")
        print(f"  all answered and acknowledged; SIGTERM: status {exits[-1]}")
        pending = fake.pending_events(portal, bot_id)
        bot_log = log.read_text(encoding="utf-8", errors="replace")

    expected = [HELP if text == "/help" else f"You said: {text}" for text in said]
    answers = [message.text for message in fake.messages]
    print()
    print("The conversation:")
    for index, text in enumerate(said):
        print(f"  {USER['name']}: {text}")
        if index < len(answers):
            print(f"  {NAME}: {answers[index]}")
    for extra in answers[len(said) :]:
        print(f"  {NAME} (again!): {extra}")
    print()
    print("What the bot logged:")
    for line in bot_log.splitlines():
        print(f"  {line}")
    checks = {
        "each message answered exactly once, in order": answers == expected,
        "every run stopped cleanly on SIGTERM": exits == [0, 0, 0],
        "each restart went on from the saved offset": (resumed_2, resumed_3)
        == (after_1.offset, after_2.offset)
        and after_1.offset == first[-1] + 1,
        "nothing left unacknowledged": not pending,
        "the webhook's secret and the bot token never shown": WEBHOOK_SECRET not in bot_log
        and BOT_TOKEN not in bot_log,
    }
    failed = [what for what, passed in checks.items() if not passed]
    print()
    for what in failed:
        print(f"FAILED: {what}")
    ok = ok and not failed
    print("The fetch bot works." if ok else "The fetch bot did NOT work as expected.")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
