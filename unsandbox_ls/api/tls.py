"""TLS contexts of the API's clients: the verifying one, built once per process, and the one
for plain loopback `http://` and unix-socket transports, which loads nothing.

httpx builds a TLS context for every transport, loading the CA bundle (~20 ms) unless it is
given one; a one-shot command line pays that on every run, for a connection that never uses
TLS when the base URL is `http://` (allowed for loopback hosts only; redirects are never
followed) or a unix socket.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

_verifying: dict[bool, ssl.SSLContext] = {}


def verifying_context(trust_env: bool) -> ssl.SSLContext:
    """The verifying TLS context (certifi's CA bundle, or `SSL_CERT_FILE`/`SSL_CERT_DIR` when
    `trust_env`), built once per process: a language server making one client per run would
    otherwise load the bundle on every run."""
    context = _verifying.get(trust_env)
    if context is None:
        import httpx

        context = _verifying[trust_env] = httpx.create_ssl_context(trust_env=trust_env)
    return context


def no_tls_context() -> ssl.SSLContext:
    """For a transport that never makes a TLS connection (plain `http://`, a unix socket): no
    CA bundle is loaded. It still requires a certificate and checks host names, and trusts
    no certificate at all: were a TLS connection ever attempted with it, the handshake
    would fail."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, check_hostname, no CAs


def context_for(url: httpx.URL, *, loopback: bool) -> ssl.SSLContext:
    """The TLS context of a client of `url`: the verifying one for `https://` (the
    environment's CA settings ignored for a loopback host), none loaded for plain `http://`."""
    if url.scheme == "http":
        return no_tls_context()
    return verifying_context(not loopback)
