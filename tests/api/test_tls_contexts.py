"""The TLS context each API client gets: nothing loaded for plain loopback http, the CA bundle
for https (and only then)."""

from __future__ import annotations

import ssl

import httpx

from unsandbox_ls.api import tls


def test_plain_http_loads_no_certificate_authority_and_trusts_nothing() -> None:
    context = tls.context_for(httpx.URL("http://127.0.0.1:8765"), loopback=True)
    assert context.cert_store_stats()["x509_ca"] == 0
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True


def test_https_verifies_with_the_ca_bundle_built_once() -> None:
    url = httpx.URL("https://api.unsandbox.com")
    context = tls.context_for(url, loopback=False)
    assert context.cert_store_stats()["x509_ca"] > 0
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert tls.context_for(url, loopback=False) is context


def test_https_on_a_loopback_host_still_verifies() -> None:
    context = tls.context_for(httpx.URL("https://localhost:8443"), loopback=True)
    assert context.cert_store_stats()["x509_ca"] > 0
