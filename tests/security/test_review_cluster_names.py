"""Review: cluster-internal names pass the public-host check.

``endpoints.check_public_domain`` refuses IP literals, single labels and a list of
private suffixes, and lets any other dotted name through. Inside Kubernetes (and any
resolver with a search list and ``ndots`` > 1) ``redis.default`` and
``kubernetes.default.svc`` are not public names at all: the resolver expands them to
``redis.default.svc.cluster.local`` / the API server, internal addresses. A stranger's
ONAPPINSTALL naming such a domain is installed without a hook (``check_domain`` accepts
it), and with the online install check the app calls ``https://redis.default/rest/
app.info.json`` before anything else is asked (``then=`` runs only after the portal has
vouched). TLS verification limits what comes back, but the app still connects to
internal hosts of the attacker's choosing (blind SSRF, port-443 probing; any port with
``allow_domain_port``). ``svc`` and ``default`` are not top-level domains.
"""

from __future__ import annotations

import pytest

from b24botevents import RestError
from b24botevents.rest.endpoints import check_public_domain


@pytest.mark.parametrize("domain", ["kubernetes.default.svc", "redis.default", "vault.vault.svc"])
def test_cluster_internal_names_are_not_public_hosts(domain: str) -> None:
    with pytest.raises(RestError) as caught:
        check_public_domain(domain)
    assert caught.value.code == "UNSAFE_ENDPOINT"
