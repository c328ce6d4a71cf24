"""A self-signed certificate for 127.0.0.1, made at test time, to serve the fake over HTTPS.

``make_certificate(directory)`` runs the ``openssl`` command-line tool (``req -x509``, an
EC P-256 key, a day's validity, ``subjectAltName=IP:127.0.0.1``) and returns the PEM
files; ``server_context`` loads them into the server-side ``ssl.SSLContext`` that
``FakeBitrix24.serve(tls=...)`` takes, and ``client_context`` trusts that one certificate
only. Nothing here is a real secret: the key is made fresh and lives in a temporary folder.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["Certificate", "client_context", "make_certificate", "server_context"]


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate (``cert``, PEM) and its private key (``key``, PEM)."""

    cert: Path
    key: Path


def make_certificate(directory: Path, *, ip: str = "127.0.0.1") -> Certificate:
    """A fresh self-signed certificate for ``ip`` in ``directory`` (fails without openssl)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        # Fail, never skip: the HTTPS tests must not pass quietly on a machine without it.
        pytest.fail("the openssl command is needed to make a test certificate", pytrace=False)
    cert, key = directory / "cert.pem", directory / "key.pem"
    done = subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={ip}",
            "-addext",
            f"subjectAltName=IP:{ip}",
            "-addext",
            "extendedKeyUsage=serverAuth",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"openssl could not make a certificate:\n{done.stderr}", pytrace=False)
    return Certificate(cert, key)


def server_context(certificate: Certificate) -> ssl.SSLContext:
    """A server-side context presenting ``certificate``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate.cert, certificate.key)
    return context


def client_context(certificate: Certificate) -> ssl.SSLContext:
    """A client context that trusts ``certificate`` alone (host names checked)."""
    return ssl.create_default_context(cafile=str(certificate.cert))
