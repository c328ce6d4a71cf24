"""Review 10: the fake's ``imbot.v2.Event.get`` crashes on some non-integer parameters.

``testing._fake_context.int_param`` (which ``_fake_event_get._offset``/``_limit`` use)
tests ``value.strip().lstrip("-").isdigit()`` and then calls ``int(value)``: ``"--5"``
passes the test (every ``-`` is stripped) and ``"²"`` too (``isdigit`` is true for
superscripts), but ``int()`` refuses both. The ``ValueError`` escapes the fake: a test
that probes bad input gets an exception out of the transport instead of the
``INVALID_ARGUMENT`` answer the module's docstring promises ("an ``offset`` that is not
an integer").
"""

from __future__ import annotations

import pytest

from b24botevents.errors import RestError
from poller.support import BOT_ID, poll_rig


@pytest.mark.parametrize("name", ["offset", "limit"])
@pytest.mark.parametrize("value", ["--5", "²"])
def test_a_parameter_that_is_not_an_integer_is_invalid_argument(name: str, value: str) -> None:
    with poll_rig() as rig:
        with pytest.raises(RestError) as caught:
            rig.client.call("imbot.v2.Event.get", {"botId": BOT_ID, name: value})
        assert caught.value.code == "INVALID_ARGUMENT"
