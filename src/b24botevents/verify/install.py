"""What the ``approve_install`` hook is asked: ``InstallRequest`` and its ``InstallReason``.

The hook is asked before a portal record is written by an install or update that the
token alone cannot justify: a first install (when a hook is configured at all), a new
token for an installed portal, a domain that moves, or a domain that another portal holds.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:  # the hook's type names the events; verification itself needs no model
    from b24botevents.models import AppInstallEvent, AppUpdateEvent
    from b24botevents.stores import PortalRecord

__all__ = ["ApproveInstall", "InstallReason", "InstallRequest"]


class InstallReason(str, enum.Enum):
    """Why the hook is asked."""

    #: No installed record for this ``member_id`` (never installed, or uninstalled).
    FIRST_INSTALL = "first_install"
    #: The portal is installed, and the event brings a different ``application_token``.
    NEW_TOKEN = "new_token"  # noqa: S105 - a reason, not a secret
    #: The portal's own verified event names another domain, free of other portals.
    DOMAIN_CHANGE = "domain_change"
    #: The event's domain is bound to another portal (``domain_holder``): approving moves
    #: the domain, and the holder's record is marked uninstalled.
    DOMAIN_CLAIM = "domain_claim"


@attrs.frozen
class InstallRequest:
    """The write an install or update asks for, as the ``approve_install`` hook sees it.

    ``current`` is this portal's stored record, if any (its token is masked in ``repr``);
    ``domain_holder`` the ``member_id`` of another installed portal bound to ``domain``.
    ``reason`` names the weightiest change: a domain claim, then a new token, then a
    first install, then a domain change.
    """

    reason: InstallReason
    member_id: str
    domain: str
    current: PortalRecord | None = None
    domain_holder: str | None = None
    #: An installed portal's token would be replaced (whatever else changes).
    replaces_token: bool = False

    @property
    def first_install(self) -> bool:
        """No installed record for this portal, and its domain is free: a plain first install."""
        return self.reason is InstallReason.FIRST_INSTALL

    @property
    def domain_claim(self) -> bool:
        """Approving moves ``domain`` away from the portal ``domain_holder``."""
        return self.domain_holder is not None


#: ``approve_install(event, request) -> bool`` (or an awaitable of it). Anything but
#: ``True`` refuses the event (403) and nothing is written.
ApproveInstall = Callable[
    ["AppInstallEvent | AppUpdateEvent", InstallRequest], "bool | Awaitable[bool]"
]
