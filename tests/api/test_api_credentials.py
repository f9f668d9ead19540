"""Credential lookup order, accounts.csv parsing, base-URL rules, and masking of secrets."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from unsandbox_ls.api.credentials import (
    DEFAULT_BASE_URL,
    Credentials,
    find_credentials,
    resolve_base_url,
    unused_credentials,
)
from unsandbox_ls.api.errors import ConfigurationError, MissingCredentialsError


def pair() -> tuple[str, str]:
    return "unsb-pk-" + secrets.token_hex(6), "unsb-sk-" + secrets.token_hex(12)


def write_accounts(home: Path, text: str) -> Path:
    folder = home / ".unsandbox"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / "accounts.csv"
    path.write_text(text)
    return path


def test_explicit_keys_win_over_everything(tmp_path: Path) -> None:
    pub, sec = pair()
    env_pub, env_sec = pair()
    write_accounts(tmp_path, "{},{}\n".format(*pair()))
    env = {"UNSANDBOX_PUBLIC_KEY": env_pub, "UNSANDBOX_SECRET_KEY": env_sec,
           "UNSANDBOX_API_KEY": "unsb-sk-zzz"}  # fmt: skip
    found = find_credentials(public_key=pub, secret_key=sec, env=env, home=tmp_path)
    assert (found.public_key, found.secret_key, found.scheme) == (pub, sec, "hmac")
    assert found.source == "explicit keys"


def test_half_an_explicit_pair_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MissingCredentialsError, match="secret key is missing"):
        find_credentials(public_key="unsb-pk-a", env={}, home=tmp_path)


def test_env_pair_beats_api_key_and_accounts(tmp_path: Path) -> None:
    env_pub, env_sec = pair()
    write_accounts(tmp_path, "{},{}\n".format(*pair()))
    env = {"UNSANDBOX_PUBLIC_KEY": env_pub, "UNSANDBOX_SECRET_KEY": env_sec,
           "UNSANDBOX_API_KEY": "unsb-sk-zzz"}  # fmt: skip
    found = find_credentials(env=env, home=tmp_path)
    assert (found.public_key, found.secret_key) == (env_pub, env_sec)
    assert "UNSANDBOX_PUBLIC_KEY" in found.source


def test_an_accounts_file_pair_beats_a_stale_api_key(tmp_path: Path) -> None:
    """A complete HMAC pair wherever it is found wins over UNSANDBOX_API_KEY (which the official
    C CLI ignores and the docs' examples still export)."""
    pub, sec = pair()
    path = write_accounts(tmp_path, f"{pub},{sec}\n")
    env = {"UNSANDBOX_API_KEY": "unsb-sk-stale"}
    found = find_credentials(env=env, home=tmp_path)
    assert (found.scheme, found.public_key, found.secret_key) == ("hmac", pub, sec)
    assert found.source == f"{path} row 0"
    assert unused_credentials(found, env=env, home=tmp_path) == [
        "environment variable UNSANDBOX_API_KEY (legacy bearer)"
    ]


def test_the_api_key_is_used_when_no_pair_exists(tmp_path: Path) -> None:
    found = find_credentials(env={"UNSANDBOX_API_KEY": "unsb-sk-legacy"}, home=tmp_path)
    assert found.scheme == "bearer" and found.api_key == "unsb-sk-legacy"
    assert "UNSANDBOX_API_KEY" in found.source
    assert unused_credentials(found, env={"UNSANDBOX_API_KEY": "x"}, home=tmp_path) == []


def test_unused_credentials_name_places_never_keys(tmp_path: Path) -> None:
    env_pub, env_sec = pair()
    file_pub, file_sec = pair()
    path = write_accounts(tmp_path, f"{file_pub},{file_sec}\n")
    env = {"UNSANDBOX_PUBLIC_KEY": env_pub, "UNSANDBOX_SECRET_KEY": env_sec,
           "UNSANDBOX_API_KEY": "unsb-sk-stale"}  # fmt: skip
    found = find_credentials(env=env, home=tmp_path)
    assert found.public_key == env_pub
    unused = unused_credentials(found, env=env, home=tmp_path)
    assert unused == [f"{path} (1 usable row(s))",
                      "environment variable UNSANDBOX_API_KEY (legacy bearer)"]  # fmt: skip
    text = " ".join(unused)
    assert not any(k in text for k in (env_pub, env_sec, file_pub, file_sec, "unsb-sk-stale"))


def test_only_one_env_key_falls_through_and_says_so(tmp_path: Path) -> None:
    with pytest.raises(MissingCredentialsError, match="UNSANDBOX_SECRET_KEY is not set"):
        find_credentials(env={"UNSANDBOX_PUBLIC_KEY": "unsb-pk-a"}, home=tmp_path)


def test_accounts_file_rows_follow_the_parse_rules(tmp_path: Path) -> None:
    rows = [pair() for _ in range(3)]
    path = write_accounts(
        tmp_path,
        "# my accounts\n"
        "\n"
        f"  {rows[0][0]} , {rows[0][1]} ,personal\n"
        "not-a-key,also-not\n"  # wrong prefixes: skipped, does not count
        f"{rows[1][1]},{rows[1][0]}\n"  # swapped: skipped too
        f"{rows[1][0]},{rows[1][1]}\n"
        "   # indented comment\n"
        f"{rows[2][0]},{rows[2][1]}\n",
    )
    first = find_credentials(env={}, home=tmp_path)
    assert (first.public_key, first.secret_key) == rows[0]
    assert first.source == f"{path} row 0"
    second = find_credentials(env={"UNSANDBOX_ACCOUNT": "1"}, home=tmp_path)
    assert (second.public_key, second.secret_key) == rows[1]
    third = find_credentials(account=2, env={}, home=tmp_path)
    assert (third.public_key, third.secret_key) == rows[2]


def test_explicit_account_skips_the_environment(tmp_path: Path) -> None:
    row = pair()
    write_accounts(tmp_path, "{},{}\n".format(*row))
    env_pub, env_sec = pair()
    env = {"UNSANDBOX_PUBLIC_KEY": env_pub, "UNSANDBOX_SECRET_KEY": env_sec}
    found = find_credentials(account=0, env=env, home=tmp_path)
    assert (found.public_key, found.secret_key) == row


def test_missing_account_row_names_the_range(tmp_path: Path) -> None:
    write_accounts(tmp_path, "{},{}\n{},{}\n".format(*pair(), *pair()))
    with pytest.raises(MissingCredentialsError, match=r"2 usable row\(s\).*0 to 1"):
        find_credentials(account=5, env={}, home=tmp_path)
    with pytest.raises(ConfigurationError, match="row number"):
        find_credentials(env={"UNSANDBOX_ACCOUNT": "first"}, home=tmp_path)


def test_nothing_found_says_how_to_set_them(tmp_path: Path) -> None:
    with pytest.raises(MissingCredentialsError) as caught:
        find_credentials(env={}, home=tmp_path)
    text = str(caught.value)
    assert "UNSANDBOX_PUBLIC_KEY" in text and "UNSANDBOX_SECRET_KEY" in text
    assert "accounts.csv" in text


def test_repr_and_describe_never_show_a_secret() -> None:
    pub, sec = pair()
    hmac_creds = Credentials(public_key=pub, secret_key=sec, source="s")
    bearer = Credentials(api_key=sec, source="s")
    for creds in (hmac_creds, bearer):
        for text in (repr(creds), str(creds), creds.describe(), f"{creds}", f"{creds!r}"):
            assert sec not in text
    assert pub in hmac_creds.describe() and "hidden" in repr(hmac_creds)


def test_base_url_order_and_default() -> None:
    assert resolve_base_url(None, {}) == DEFAULT_BASE_URL
    env = {"UNSANDBOX_BASE_URL": "https://sandbox.example.org/"}
    assert resolve_base_url(None, env) == "https://sandbox.example.org"
    assert resolve_base_url("http://127.0.0.1:8765", env) == "http://127.0.0.1:8765"


@pytest.mark.parametrize(
    "url",
    ["http://localhost:1", "http://127.3.4.5:9", "http://[::1]:8765/", "https://example.org/api"],
)
def test_base_url_accepted(url: str) -> None:
    assert resolve_base_url(url, {}) == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://api.unsandbox.com", "plain http to a non-loopback host"),
        ("http://10.0.0.5:8765", "plain http to a non-loopback host"),
        ("http://128.0.0.1", "plain http"),
        ("ftp://127.0.0.1", "must look like https://host"),
        ("api.unsandbox.com", "must look like https://host"),
        ("https://user:pw@example.org", "user name or password"),
        ("https://example.org:99999", "not a valid URL"),
    ],
)
def test_base_url_rejected(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        resolve_base_url(url, {})


def test_client_refuses_plain_http_to_a_remote_host() -> None:
    from unsandbox_ls.api import UnsandboxClient

    creds = Credentials(public_key="unsb-pk-a", secret_key="unsb-sk-b")
    with pytest.raises(ConfigurationError, match="plain http"):
        UnsandboxClient("http://api.unsandbox.com", creds)
    with pytest.raises(ConfigurationError, match="https://host"):
        UnsandboxClient("file:///etc", creds)
