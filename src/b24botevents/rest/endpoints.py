"""Where a portal's REST calls go: ``https://<bound domain>/rest/``, and nowhere else.

An event's ``client_endpoint`` and ``server_endpoint`` are request text: an attacker who
sends ``client_endpoint=http://10.0.0.1/`` must not make the app call there (SSRF), nor
make it send a token or the app's secret anywhere. So the REST base URL is derived from
the portal's *bound* domain (the record's, checked at install), and that domain must be a
public DNS name: not an IP address, not ``localhost``, not a single label, not a name
reserved for private networks, and without a port unless the caller allows one.

Test rigs and on-premise setups that need another address say so explicitly with the
client's ``portal_url`` option; nothing an event carries can.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable

from b24botevents.errors import RestError

__all__ = ["PortalURL", "check_public_domain", "default_portal_url"]

#: Gives the REST base URL (ending in ``/``) for a portal's bound domain.
PortalURL = Callable[[str], str]

#: Suffixes (RFC 6761/6762/8375 and common practice) that never name a public host.
_PRIVATE_SUFFIXES = (
    ".localhost",
    ".local",
    ".localdomain",
    ".internal",
    ".intranet",
    ".lan",
    ".home",
    ".corp",
    ".home.arpa",
    ".arpa",
    ".test",
    ".invalid",
    ".example",
    ".onion",
    # In-cluster names (Kubernetes services, Consul): resolved through the pod's DNS
    # search list, never public top-level domains.
    ".default",
    ".svc",
    ".cluster",
    ".consul",
    ".private",
)
_LETTER = re.compile(r"[a-z]")
_HOST = re.compile(r"[a-z0-9.\-]{1,253}(?::[0-9]{1,5})?")


def _is_ipv4(host: str) -> bool:
    """What the C resolver would take as an IPv4 address (``inet_aton``: hex, octal,
    fewer than four parts)."""
    try:
        socket.inet_aton(host)
    except OSError:
        return False
    return True


def check_public_domain(domain: str, *, allow_port: bool = False) -> str:
    """Return ``domain`` if REST calls may go to it; raise ``RestError`` (``UNSAFE_ENDPOINT``).

    The domain is a stored record's, already a valid host name; this refuses the host
    names that are valid but not public.
    """
    refuse = RestError(
        "UNSAFE_ENDPOINT",
        "the portal's domain is not a public host name; set portal_url to call it anyway",
    )
    if type(domain) is not str or not _HOST.fullmatch(domain):
        raise refuse
    host, colon, _port = domain.partition(":")
    if colon and not allow_port:
        raise refuse
    labels = host.split(".")
    if len(labels) < 2 or not all(labels) or not _LETTER.search(labels[-1]):
        raise refuse  # single labels, IPv4 literals (no letter in the last label), "a..b"
    if _is_ipv4(host):
        raise refuse  # the resolver reads 0x7f.0.0.0x1 and 127.1 as 127.0.0.1
    dotted = "." + host
    if host == "localhost" or any(dotted.endswith(suffix) for suffix in _PRIVATE_SUFFIXES):
        raise refuse
    return domain


def default_portal_url(domain: str) -> str:
    """``https://<domain>/rest/`` for a public ``domain``; ``RestError`` otherwise."""
    return f"https://{check_public_domain(domain)}/rest/"


def fixed_portal_url(url: str) -> PortalURL:
    """A ``PortalURL`` sending every portal's calls to ``url`` (a test server, say)."""
    base = url.rstrip("/") + "/"
    if not base.endswith("/rest/"):
        base += "rest/"

    def portal_url(_domain: str) -> str:
        return base

    return portal_url
