"""Where the API keys and the base URL come from.

Credentials, first match wins:

1. keys (or an `accounts.csv` row) given explicitly, e.g. by a command-line flag or a user setting;
2. `UNSANDBOX_PUBLIC_KEY` + `UNSANDBOX_SECRET_KEY` (HMAC signing, the current scheme);
3. `~/.unsandbox/accounts.csv`, row `UNSANDBOX_ACCOUNT` (default 0);
4. `UNSANDBOX_API_KEY` (the legacy bearer scheme: the key itself is sent).

A complete HMAC pair, wherever it is found, beats `UNSANDBOX_API_KEY`: the official C CLI
ignores that variable, while the API docs' examples still export it, so a stale one is common
and must not silently replace the keys of `accounts.csv`. `unused_credentials` names what was
found but not chosen (for `unsandbox-ls doctor`).

Base URL: explicit > `UNSANDBOX_BASE_URL` > `https://api.unsandbox.com`. Plain `http://` is
accepted only for a loopback host (127.0.0.0/8, ::1, localhost), so keys never travel in clear
text over a network. Nothing here reads the workspace (no `./accounts.csv`): a cloned repository
must not be able to choose whose account or which server the user's code goes to.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

from unsandbox_ls.api.errors import ConfigurationError, MissingCredentialsError

DEFAULT_BASE_URL = "https://api.unsandbox.com"
PUBLIC_PREFIX = "unsb-pk-"
SECRET_PREFIX = "unsb-sk-"

HOW_TO_SET = (
    "set UNSANDBOX_PUBLIC_KEY and UNSANDBOX_SECRET_KEY, or add a line "
    "'PUBLIC_KEY,SECRET_KEY' to ~/.unsandbox/accounts.csv "
    "(UNSANDBOX_API_KEY selects the legacy bearer scheme)"
)


def _mask(value: str) -> str:
    return f"<{len(value)} characters hidden>" if value else "<empty>"


class Credentials(NamedTuple):
    """One account's keys. `source` says where they were found; no repr shows a secret."""

    public_key: str | None = None
    secret_key: str | None = None
    api_key: str | None = None
    source: str = "explicit"

    @property
    def scheme(self) -> Literal["hmac", "bearer"]:
        return "hmac" if self.public_key and self.secret_key else "bearer"

    def __repr__(self) -> str:
        if self.scheme == "hmac":
            return (
                f"Credentials(scheme='hmac', public_key={self.public_key!r}, "
                f"secret_key={_mask(self.secret_key or '')}, source={self.source!r})"
            )
        return (
            f"Credentials(scheme='bearer', api_key={_mask(self.api_key or '')}, "
            f"source={self.source!r})"
        )

    def __str__(self) -> str:
        return self.__repr__()

    def describe(self) -> str:
        """One line for humans: scheme, public key (never a secret) and source."""
        if self.scheme == "hmac":
            return f"HMAC keys, public key {self.public_key}, from {self.source}"
        return f"legacy bearer key ({_mask(self.api_key or '')}), from {self.source}"


def accounts_file(home: Path | None = None) -> Path:
    return (home if home is not None else Path.home()) / ".unsandbox" / "accounts.csv"


def read_accounts(path: Path) -> list[tuple[str, str]]:
    """The usable rows of an accounts.csv: `public,secret[,ignored]`, both with their prefixes.

    Blank lines and `#` comments are skipped, and so are rows whose keys lack the `unsb-pk-` /
    `unsb-sk-` prefixes; such rows do not count when a row is chosen by number.
    """
    rows: list[tuple[str, str]] = []
    text = path.read_text(encoding="utf-8-sig")
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split(",")
        if len(fields) < 2:
            continue
        public, secret = fields[0].strip(), fields[1].strip()
        if public.startswith(PUBLIC_PREFIX) and secret.startswith(SECRET_PREFIX):
            rows.append((public, secret))
    return rows


def _account_index(value: int | str | None, origin: str) -> int:
    if value is None or value == "":
        return 0
    try:
        index = int(value)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"{origin} must be a row number (0, 1, …), got {str(value)[:20]!r}"
        ) from None
    if index < 0:
        raise ConfigurationError(f"{origin} must be 0 or more, got {index}")
    return index


def _from_accounts(home: Path | None, index: int, *, required: bool) -> Credentials | None:
    path = accounts_file(home)
    try:
        rows = read_accounts(path)
    except FileNotFoundError:
        if required:
            raise MissingCredentialsError(
                f"account {index} was asked for but {path} does not exist; {HOW_TO_SET}"
            ) from None
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.__class__.__name__}") from None
    if index >= len(rows):
        if not rows and not required:
            return None
        raise MissingCredentialsError(
            f"{path} has {len(rows)} usable row(s) (lines 'unsb-pk-…,unsb-sk-…'), "
            f"so account {index} does not exist; pick a row from 0 to {len(rows) - 1} "
            f"with --account or UNSANDBOX_ACCOUNT"
            if rows
            else f"{path} has no usable row (lines 'unsb-pk-…,unsb-sk-…'); {HOW_TO_SET}"
        )
    public, secret = rows[index]
    return Credentials(public_key=public, secret_key=secret, source=f"{path} row {index}")


def find_credentials(
    *,
    public_key: str | None = None,
    secret_key: str | None = None,
    api_key: str | None = None,
    account: int | None = None,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Credentials:
    """The credentials to use, by the lookup order of this module's docstring.

    Raises `MissingCredentialsError` (a `ConfigurationError`) saying how to set them.
    """
    env = os.environ if env is None else env
    if public_key or secret_key:
        if not (public_key and secret_key):
            missing = "secret key" if public_key else "public key"
            raise MissingCredentialsError(
                f"a public key and a secret key must be given together; the {missing} is missing"
            )
        return Credentials(public_key=public_key, secret_key=secret_key, source="explicit keys")
    if api_key:
        return Credentials(api_key=api_key, source="explicit legacy bearer key")
    if account is not None:
        found = _from_accounts(home, _account_index(account, "the account"), required=True)
        assert found is not None
        return found
    env_public = env.get("UNSANDBOX_PUBLIC_KEY", "").strip()
    env_secret = env.get("UNSANDBOX_SECRET_KEY", "").strip()
    if env_public and env_secret:
        return Credentials(
            public_key=env_public,
            secret_key=env_secret,
            source="environment variables UNSANDBOX_PUBLIC_KEY and UNSANDBOX_SECRET_KEY",
        )
    env_account = env.get("UNSANDBOX_ACCOUNT")
    index = _account_index(env_account, "UNSANDBOX_ACCOUNT")
    found = _from_accounts(home, index, required=bool(env_account))
    if found is not None:
        return found
    env_api = env.get("UNSANDBOX_API_KEY", "").strip()
    if env_api:
        return Credentials(
            api_key=env_api, source="environment variable UNSANDBOX_API_KEY (legacy bearer)"
        )
    half = ""
    if env_public or env_secret:
        which = "UNSANDBOX_SECRET_KEY" if env_public else "UNSANDBOX_PUBLIC_KEY"
        half = f" ({which} is not set, so UNSANDBOX_PUBLIC_KEY/UNSANDBOX_SECRET_KEY are unused)"
    raise MissingCredentialsError(f"no unsandbox API credentials found{half}; {HOW_TO_SET}")


def unused_credentials(
    chosen: Credentials, *, env: Mapping[str, str] | None = None, home: Path | None = None
) -> list[str]:
    """Where else credentials were found that `chosen` beat (descriptions, never a key)."""
    env = os.environ if env is None else env
    found: list[tuple[str, str]] = []  # (the `source` it would have, what to say)
    pair = "environment variables UNSANDBOX_PUBLIC_KEY and UNSANDBOX_SECRET_KEY"
    if env.get("UNSANDBOX_PUBLIC_KEY", "").strip() and env.get("UNSANDBOX_SECRET_KEY", "").strip():
        found.append((pair, pair))
    path = accounts_file(home)
    try:
        rows = read_accounts(path)
    except (OSError, UnicodeDecodeError):
        rows = []
    if rows:
        found.append((str(path), f"{path} ({len(rows)} usable row(s))"))
    if env.get("UNSANDBOX_API_KEY", "").strip():
        bearer = "environment variable UNSANDBOX_API_KEY"
        found.append((bearer, f"{bearer} (legacy bearer)"))
    return [said for source, said in found if not chosen.source.startswith(source)]


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost"):
        return True
    import ipaddress  # for the other spellings (127.0.0.2, ::ffff:127.0.0.1, …)

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_base_url(explicit: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The API base URL without a trailing slash; raises `ConfigurationError` if unsafe/invalid."""
    env = os.environ if env is None else env
    if explicit:
        url, origin = explicit.strip(), "the base URL"
    elif env.get("UNSANDBOX_BASE_URL", "").strip():
        url, origin = env["UNSANDBOX_BASE_URL"].strip(), "UNSANDBOX_BASE_URL"
    else:
        return DEFAULT_BASE_URL
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        raise ConfigurationError(f"{origin} is not a valid URL: {url[:80]!r}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigurationError(f"{origin} must look like https://host[:port], got {url[:80]!r}")
    if parts.username or parts.password:
        raise ConfigurationError(
            f"{origin} must not contain a user name or password; set the keys separately"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"{origin} must not have a query or fragment: {url[:80]!r}")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ConfigurationError(
            f"{origin} {url[:80]!r} uses plain http to a non-loopback host ({host}); "
            f"use https:// (plain http is only allowed for 127.0.0.1, ::1 or localhost)"
        )
    return url.rstrip("/")


__all__ = [
    "DEFAULT_BASE_URL",
    "Credentials",
    "accounts_file",
    "find_credentials",
    "is_loopback_host",
    "read_accounts",
    "resolve_base_url",
    "unused_credentials",
]
