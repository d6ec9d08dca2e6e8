"""This app's Ed25519 identity for letter exchange, and signature checks.

The private key lives in the instance folder (mode 0600), made on first need;
the public key is printed by ``flask eoffice exchange show-key`` for the peers.
Keys travel as base64 of the 32 raw bytes; a key id is the start of its SHA-256.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import current_app

PREFIX = "ed25519:"


def key_path() -> Path:
    path = Path(current_app.config["EXCHANGE_KEY_FILE"])
    return path if path.is_absolute() else Path(current_app.instance_path) / path


def _create(path: Path) -> None:
    """Write a new key atomically with mode 0600; a key made meanwhile by another
    process wins (link fails when the file exists), so there is only ever one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".exchange-key-")
    try:
        os.fchmod(handle, 0o600)
        os.write(handle, pem)
        os.fsync(handle)
        os.close(handle)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)


def private_key() -> Ed25519PrivateKey:
    path = key_path()
    if not path.exists():
        _create(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def raw_public(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_text() -> str:
    """This app's public key as given to peers: ``ed25519:<base64>``."""
    return PREFIX + base64.b64encode(raw_public(private_key())).decode()


def key_id_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def own_key_id() -> str:
    return key_id_of(raw_public(private_key()))


def fingerprint(raw: bytes) -> str:
    """The key's SHA-256 in groups of four, to read aloud when checking a key by phone."""
    digest = hashlib.sha256(raw).hexdigest()
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def parse_public_key(text: str) -> bytes:
    """Raw 32 bytes from ``ed25519:<base64>`` or bare base64; ValueError otherwise."""
    value = (text or "").strip()
    if value.lower().startswith(PREFIX):
        value = value[len(PREFIX):]
    try:
        raw = base64.b64decode(value, validate=True)
        Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not an Ed25519 public key") from exc
    return raw


def sign(data: bytes) -> str:
    return base64.b64encode(private_key().sign(data)).decode()


def verify(public_b64: str, data: bytes, signature_b64: str) -> bool:
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64, validate=True))
        public.verify(base64.b64decode(signature_b64, validate=True), data)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def file_mode_ok() -> bool:
    path = key_path()
    return not path.exists() or (path.stat().st_mode & 0o077) == 0
