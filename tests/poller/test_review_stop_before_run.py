"""Review 10: a ``stop()`` that comes before ``run()``/``arun()`` got going is forgotten.

``Poller.run`` and ``arun`` begin with ``self._stop.clear()``. The docs' own pattern,
``threading.Thread(target=poller.run).start()`` and later ``poller.stop()`` at shutdown,
races with that line: a shutdown (a SIGTERM, a failed health check) that calls
``stop()`` before the thread reaches ``run``'s first line is wiped out, and the poller
polls on; ``thread.join()`` hangs. The CLI has the same window: its signal handlers
(``_stop_signals``) are installed before ``poller.run`` clears the flag, so a first
SIGTERM that lands in between is eaten. These tests make the race deterministic by
calling ``stop()`` first.
"""

from __future__ import annotations

import asyncio
import threading

from poller.support import poll_rig


def test_a_stop_before_run_is_not_lost() -> None:
    with poll_rig() as rig:
        poller = rig.poller(idle_interval=0.05)
        poller.stop()  # shutdown came first
        thread = threading.Thread(target=poller.run, kwargs={"handle_signals": False}, daemon=True)
        thread.start()
        thread.join(2.0)
        still_running = thread.is_alive()
        poller.stop()  # clean up whatever happened
        thread.join(5.0)
        assert not still_running, "run() ignored the stop() that came before it"


def test_a_stop_before_arun_is_not_lost() -> None:
    with poll_rig() as rig:
        poller = rig.poller(idle_interval=0.05)
        poller.stop()

        async def main() -> bool:
            task = asyncio.ensure_future(poller.arun(handle_signals=False))
            done, _ = await asyncio.wait({task}, timeout=2.0)
            if not done:
                poller.stop()
                await asyncio.wait_for(task, 5.0)
                return False
            return True

        assert asyncio.run(main()), "arun() ignored the stop() that came before it"
