"""Review 10: ``arun()`` leaves SIGTERM at its default action when it ends.

``run()`` saves the handlers it replaces and puts them back (``Poller._signals``);
``arun()`` uses ``loop.add_signal_handler`` and ends with ``loop.remove_signal_handler``,
which sets ``SIG_DFL`` (SIGINT: ``default_int_handler``), not what was there before. An
application that had its own SIGTERM handler (a web server shutting down gracefully, a
worker draining its queue) finds it gone once its poller task ends: the next SIGTERM
kills the process on the spot.
"""

from __future__ import annotations

import asyncio
import signal
from types import FrameType

from poller.support import poll_rig


def _app_handler(signum: int, frame: FrameType | None) -> None:
    """The application's own SIGTERM handler."""


def test_arun_puts_back_the_sigterm_handler_it_replaced() -> None:
    previous = signal.signal(signal.SIGTERM, _app_handler)
    try:
        with poll_rig() as rig:
            poller = rig.poller(idle_interval=0.01)

            async def main() -> None:
                asyncio.get_running_loop().call_later(0.05, poller.stop)
                await asyncio.wait_for(poller.arun(), 5.0)

            asyncio.run(main())
        assert signal.getsignal(signal.SIGTERM) is _app_handler
    finally:
        signal.signal(signal.SIGTERM, previous)
