"""The dispatcher tests' bodies: the kit's bodies and the hand-laid trees are the same event.

``dispatch_helpers`` sends the testing kit's bodies where the kit builds them and lays a
tree out by hand where it does not (a field left out, another code, no ``ts``); the JSON
tests send those trees too. Both ways must give the same bytes for the same arguments.
"""

from __future__ import annotations

from typing import Any

import pytest

from b24botevents import parse_event
from dispatch_helpers import (
    ACCESS,
    DOMAIN,
    MEMBER,
    OTHER_TOKEN,
    REFRESH,
    TOKEN,
    bot_delete_body,
    bot_delete_tree,
    form,
    install_body,
    lifecycle_tree,
    uninstall_body,
    update_body,
)

PORTAL_CHANGES: list[dict[str, Any]] = [
    {},
    {"token": OTHER_TOKEN},
    {"token": ""},
    {"member_id": "another-portal"},
    {"domain": DOMAIN.upper()},
    {"member_id": "unknown-portal", "domain": "x.bitrix24.com"},
]


@pytest.mark.parametrize(
    "kwargs", [*PORTAL_CHANGES, {"ts": 1_000_000_000}, {"bot_id": 13}], ids=repr
)
def test_the_kits_bot_delete_body_is_the_hand_laid_tree(kwargs: dict[str, Any]) -> None:
    assert bot_delete_body(**kwargs) == form(bot_delete_tree(**kwargs))


@pytest.mark.parametrize("kwargs", PORTAL_CHANGES, ids=repr)
@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("ONAPPINSTALL", install_body),
        ("ONAPPUPDATE", update_body),
        ("ONAPPUNINSTALL", uninstall_body),
    ],
)
def test_the_kits_lifecycle_bodies_are_the_hand_laid_trees(
    name: str, build: Any, kwargs: dict[str, Any]
) -> None:
    assert build(**kwargs) == form(lifecycle_tree(name, **kwargs))


def test_the_bodies_carry_the_canary_tokens() -> None:
    event = parse_event(install_body())
    assert event.auth is not None
    assert (event.auth.application_token, event.auth.access_token) == (TOKEN, ACCESS)
    assert event.auth.refresh_token == REFRESH
    assert (event.member_id, event.domain) == (MEMBER, DOMAIN)
