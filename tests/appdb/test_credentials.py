from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text
from sqlalchemy.orm import Session

from metricx.settings import Settings
from warehouse.appdb.credentials import CredentialCipher, load_cipher
from warehouse.appdb.models import Provider
from warehouse.appdb.upserts import upsert_connection, upsert_workspace

SECRETS = {"access_token": "EAAsupersecret-token-42", "refresh_token": None, "scopes": ["ads"]}


def test_credentials_round_trip_and_are_sealed() -> None:
    cipher = CredentialCipher(Fernet.generate_key())
    token = cipher.encrypt(SECRETS)
    assert b"supersecret" not in token
    assert cipher.decrypt(token) == SECRETS
    with pytest.raises(InvalidToken):
        CredentialCipher(Fernet.generate_key()).decrypt(token)


def test_settings_key_is_used_when_set(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    token = load_cipher(Settings(secret_key=key), data_dir=tmp_path).encrypt(SECRETS)
    assert CredentialCipher(key).decrypt(token) == SECRETS
    assert not (tmp_path / "secret.key").exists()


def test_missing_key_is_generated_private_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    token = load_cipher(Settings(secret_key=""), data_dir=data_dir).encrypt(SECRETS)

    key_file = data_dir / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert list(data_dir.iterdir()) == [key_file]  # no draft left behind
    # A later process (a new cipher from the same folder) reads what the first one sealed.
    assert load_cipher(Settings(secret_key=""), data_dir=data_dir).decrypt(token) == SECRETS


def test_connection_credentials_are_not_stored_in_clear(
    session: Session, cipher: CredentialCipher
) -> None:
    workspace = upsert_workspace(
        session, slug="acme", name="Acme", currency="USD", timezone="America/New_York"
    )
    connection = upsert_connection(
        session,
        workspace_id=workspace.id,
        provider=Provider.META_ADS,
        external_account_id="act_1",
        display_name="Acme Meta",
        credentials=SECRETS,
        cipher=cipher,
    )
    session.commit()

    stored = session.execute(
        text("SELECT credentials_encrypted FROM connections WHERE id = :id"), {"id": connection.id}
    ).scalar_one()
    assert b"supersecret" not in bytes(stored)
    assert cipher.decrypt(bytes(stored)) == SECRETS
