"""Encryption at rest of platform credentials (access tokens, refresh tokens, API secrets)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from metricx.settings import DATA_DIR, Settings

KEY_FILE_NAME = "secret.key"


class CredentialCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256) over the JSON form of a credentials dict.

    `decrypt` raises `cryptography.fernet.InvalidToken` for data sealed with another key.
    """

    def __init__(self, key: bytes | str) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, credentials: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(credentials, sort_keys=True).encode())

    def decrypt(self, token: bytes, *, ttl_seconds: int | None = None) -> dict[str, Any]:
        """`ttl_seconds`: refuse (InvalidToken) what was sealed longer ago than that."""
        return json.loads(self._fernet.decrypt(token, ttl=ttl_seconds))

    def readable(self, token: bytes) -> dict[str, Any] | None:
        """The credentials, or None when they were sealed under a key since replaced (a secret
        key changed, a key file lost): no one can use them, and only their owner reconnecting,
        or the old key restored, makes them usable again."""
        try:
            return self.decrypt(token)
        except InvalidToken:
            return None


def load_cipher(settings: Settings, data_dir: Path = DATA_DIR) -> CredentialCipher:
    """The cipher keyed by `settings.secret_key`, else by a key kept in `<data_dir>/secret.key`."""
    if settings.secret_key:
        return CredentialCipher(settings.secret_key)
    return CredentialCipher(_local_key(data_dir / KEY_FILE_NAME))


def _local_key(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside then hard-linked into place: the link fails if another process won the race,
    # and nobody ever reads a half-written key.
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(Fernet.generate_key())
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_bytes().strip()
