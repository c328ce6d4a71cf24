"""The app lifecycle events: ONAPPINSTALL, ONAPPUPDATE, ONAPPUNINSTALL.

ONAPPINSTALL hands the app its ``application_token``; ONAPPUPDATE may bring a new one;
ONAPPUNINSTALL carries no usable tokens.

Internal module: import these from ``b24botevents.models`` (or ``b24botevents``).
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from .base import Event


@attrs.frozen(kw_only=True)
class AppInstallData:
    """``data`` of ONAPPINSTALL."""

    version: str | None = None
    active: bool | None = None
    installed: bool | None = None
    language_id: str | None = None


@attrs.frozen(kw_only=True)
class AppInstallEvent(Event):
    """ONAPPINSTALL: the app was installed; ``auth.application_token`` is the one to keep."""

    CODES: ClassVar[tuple[str, ...]] = ("ONAPPINSTALL",)
    data: AppInstallData = attrs.field(factory=AppInstallData)


@attrs.frozen(kw_only=True)
class AppUpdateData:
    """``data`` of ONAPPUPDATE."""

    version: str | None = None
    previous_version: str | None = None
    language_id: str | None = None


@attrs.frozen(kw_only=True)
class AppUpdateEvent(Event):
    """ONAPPUPDATE: a new version was installed; it may bring a new ``application_token``."""

    CODES: ClassVar[tuple[str, ...]] = ("ONAPPUPDATE",)
    data: AppUpdateData = attrs.field(factory=AppUpdateData)


@attrs.frozen(kw_only=True)
class AppUninstallData:
    """``data`` of ONAPPUNINSTALL; ``clean`` is the user's "delete app data" choice."""

    language_id: str | None = None
    clean: bool | None = None


@attrs.frozen(kw_only=True)
class AppUninstallEvent(Event):
    """ONAPPUNINSTALL: the app was removed. Its auth holds no usable tokens."""

    CODES: ClassVar[tuple[str, ...]] = ("ONAPPUNINSTALL",)
    data: AppUninstallData = attrs.field(factory=AppUninstallData)
