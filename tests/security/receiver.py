"""The ``listen`` command's stdlib receiver, in-process on a free port of 127.0.0.1."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from b24botevents import Limits
from b24botevents.cli.display import Printer, printing_dispatcher, reasons_printed
from b24botevents.cli.receiver import PrintingWSGI, stdlib_server
from b24botevents.contrib.wsgi import WSGIApp
from contrib.recording import Recorder

from .framing import Answer, recording_dp


@dataclass
class Receiver:
    port: int
    recorder: Recorder
    lines: list[str] = field(default_factory=list)

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=30)

    def send(self, request: bytes, *, then_close: bool = False) -> Answer:
        """Send raw ``request`` (``then_close``: and end the sending side); the answer."""
        with self.connect() as client:
            client.sendall(request)
            if then_close:
                client.shutdown(socket.SHUT_WR)
            return answer_on(client)


def answer_on(client: socket.socket) -> Answer:
    response = http.client.HTTPResponse(client)
    response.begin()
    return response.status, response.read().decode("utf-8", "replace")


@contextmanager
def stdlib_receiver(max_body_bytes: int | None = None) -> Iterator[Receiver]:
    """What ``b24botevents listen`` serves (the printing ``WSGIApp`` on its wsgiref server)."""
    limits = None if max_body_bytes is None else Limits(max_body_bytes=max_body_bytes)
    dp, recorder = recording_dp(limits=limits)
    lines: list[str] = []
    printer = Printer(lines.append)
    printing_dispatcher(dp, printer)
    server = stdlib_server("127.0.0.1", 0, PrintingWSGI(WSGIApp(dp), printer))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    with reasons_printed(printer):
        thread.start()
        try:
            yield Receiver(int(server.server_address[1]), recorder, lines)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(30)
            dp.close(timeout=10)
