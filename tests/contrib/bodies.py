"""Request bodies for the adapter tests, built with the public testing kit.

Every body is signed by the documented portal (``DOC_PORTAL``: the ids and tokens of the
docs' ONIMBOTDELETE example), so ``DOC_BODY`` is byte for byte the PHP-built example in
``tests/data/examples`` (``test_matrix_async`` checks that).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from b24botevents.testing import Portal, app_install_body, bot_delete_body, sample_body
from b24botevents.wire import parse_form

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "tests" / "data" / "examples"
DOC_BODY_FILE = EXAMPLES / "ONIMBOTDELETE.derived-http_build_query.txt"

TOKEN = "831c76b092f9f135d9b6b36c3a720757"
MEMBER_ID = "bac1cd5c8940947a75e0d71b1a84e348"
DOC_BOT_ID = 567
#: The ``ts`` of the documented example; install events are a little older.
DOC_TS = 1772090363
INSTALL_TS = 1772090000
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
TEXT_PLAIN = "text/plain; charset=utf-8"
MALFORMED = b"a[b=1"

DOC_PORTAL = Portal(
    member_id=MEMBER_ID,
    domain="some-domain.bitrix24.com",
    application_token=TOKEN,
    access_token="0b02a0690000071b0008440001b0007a16b39202c2490f015",
    refresh_token="4s386p3q0tr8dy89xvmt96234v3dljg8",
)

#: The documented ONIMBOTDELETE body (bot 567), as PHP's http_build_query renders it.
DOC_BODY = sample_body("ONIMBOTDELETE", portal=DOC_PORTAL, ts=DOC_TS).encode("ascii")
#: The same event signed with a token no portal has.
WRONG_TOKEN_BODY = sample_body(
    "ONIMBOTDELETE", portal=DOC_PORTAL.with_application_token("0" * len(TOKEN)), ts=DOC_TS
).encode("ascii")


def doc_tree() -> dict[str, Any]:
    """The documented ONIMBOTDELETE body as a decoded tree (a fresh copy each call)."""
    return parse_form(DOC_BODY)


def form_body(bot_id: int, *, token: str = TOKEN) -> bytes:
    """ONIMBOTDELETE for ``bot_id`` (code ``bot<id>``), like the doc body, signed ``token``."""
    body = bot_delete_body(
        bot_id,
        f"bot{bot_id}",
        portal=DOC_PORTAL,
        application_token=token,
        user_id=27,
        ts=DOC_TS,
        handler_id=439,
    )
    return body.encode("ascii")


def json_body(bot_id: int) -> bytes:
    """``form_body(bot_id)`` as a JSON body (the same tree)."""
    return json.dumps(parse_form(form_body(bot_id))).encode("utf-8")


def install_body() -> bytes:
    """ONAPPINSTALL for the documented portal: what records the portal in a portal store."""
    return app_install_body(portal=DOC_PORTAL, user_id=27, ts=INSTALL_TS).encode("ascii")
