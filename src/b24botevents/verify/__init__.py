"""Verification of ``auth[application_token]``, on the decoded tree, before any model is built.

Bitrix24 sends the app's ``application_token`` with every event; ONAPPINSTALL is where the
app learns it. A ``Verifier`` decides from the envelope alone whether an event is genuine,
so a forged request is refused before the library spends anything on it:

* ``PortalVerifier``: per portal, against the records of a ``PortalStore``, each portal's
  ``member_id`` bound to one domain and one token (see ``b24botevents.verify.portal``);
* ``StaticVerifier``: against one or more fixed tokens (single-portal apps, outgoing
  webhooks, rotation);
* ``NoVerifier``: the explicit ``verify=False``.

``make_verifier`` picks one from the ``Dispatcher``'s arguments, and ``check_age`` is the
optional replay window, on the envelope too. Only the top-level ``auth`` counts: v2's
``data[bot][auth]`` is never consulted. Tokens are compared in constant time.
"""

from __future__ import annotations

from collections.abc import Iterable

from b24botevents.envelope import Envelope, check_age, read_envelope
from b24botevents.stores import PortalStore

from ._verdict import ACCEPT, INSTALL, UNINSTALL, UPDATE, Verdict, Verifier
from .install import ApproveInstall, InstallReason, InstallRequest
from .portal import PortalVerifier
from .static import NoVerifier, StaticVerifier

__all__ = [
    "ACCEPT",
    "INSTALL",
    "UNINSTALL",
    "UPDATE",
    "ApproveInstall",
    "Envelope",
    "InstallReason",
    "InstallRequest",
    "NoVerifier",
    "PortalVerifier",
    "StaticVerifier",
    "Verdict",
    "Verifier",
    "check_age",
    "make_verifier",
    "read_envelope",
]


def make_verifier(
    *,
    portal_store: PortalStore | None = None,
    application_token: str | Iterable[str] | None = None,
    verify: bool = True,
    approve_install: ApproveInstall | None = None,
    allow_domain_port: bool = False,
) -> Verifier:
    """The verifier for a ``Dispatcher``'s arguments; exactly one source must be named.

    ``portal_store=`` gives a ``PortalVerifier``, ``application_token=`` a
    ``StaticVerifier`` and ``verify=False`` a ``NoVerifier``. Naming none of them, or two,
    is a ``ValueError``: where the expected tokens come from is never implicit.
    """
    if verify is not True and verify is not False:
        raise TypeError("verify must be True or False")
    given = [
        name
        for name, value in (
            ("portal_store", portal_store),
            ("application_token", application_token),
        )
        if value is not None
    ]
    verifier: Verifier
    if not verify:
        if given:
            raise ValueError(f"verify=False contradicts {given[0]}=; pass one or the other")
        verifier = NoVerifier()
    elif not given:
        raise ValueError(
            "say where the expected application_token comes from: portal_store=... "
            "(per portal), application_token=... (fixed), or verify=False"
        )
    elif len(given) > 1:
        raise ValueError("pass portal_store= or application_token=, not both")
    elif portal_store is not None:
        verifier = PortalVerifier(
            portal_store,
            approval=approve_install is not None,
            allow_domain_port=allow_domain_port,
        )
    else:
        assert application_token is not None
        verifier = StaticVerifier(application_token)
    if approve_install is not None and portal_store is None:
        raise ValueError("approve_install= needs portal_store=: it guards stored records")
    return verifier
