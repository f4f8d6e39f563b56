"""Field encryption for personal information (ADR 0002).

Ciphertext is `v1.<key index>.<base64(nonce|ciphertext|tag)>` with AES-256-GCM, so a key can be
rotated: new writes use the first key, reads try the key the value names. Lookups use an
HMAC-SHA256 digest under a separate key, so equal numbers can be found and de-duplicated
without decrypting anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _decode_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured("SHEQU_FIELD_KEY / SHEQU_HASH_KEY must be base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured("field and hash keys must be 32 bytes (base64 of 32 bytes)")
    return key


@cache
def _keys() -> tuple[AESGCM, ...]:
    texts = list(settings.SHEQU_FIELD_KEYS)
    if not texts:
        raise ImproperlyConfigured("SHEQU_FIELD_KEY is not set")
    return tuple(AESGCM(_decode_key(t)) for t in texts)


@cache
def _hash_key() -> bytes:
    if not settings.SHEQU_HASH_KEY:
        raise ImproperlyConfigured("SHEQU_HASH_KEY is not set")
    return _decode_key(settings.SHEQU_HASH_KEY)


@cache
def _hmac_base() -> hmac.HMAC:
    # Keying an HMAC costs more than hashing a short value: copy one keyed object instead.
    return hmac.new(_hash_key(), digestmod=hashlib.sha256)


def reset_key_cache() -> None:
    _keys.cache_clear()
    _hash_key.cache_clear()
    _hmac_base.cache_clear()


def encrypt(plaintext: str, *, associated: bytes = b"shequ") -> str:
    if plaintext == "":
        return ""
    nonce = os.urandom(12)
    sealed = _keys()[0].encrypt(nonce, plaintext.encode(), associated)
    return "v1.0." + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str, *, associated: bytes = b"shequ") -> str:
    if token == "":
        return ""
    version, index, body = token.split(".", 2)
    if version != "v1":
        raise ValueError(f"unknown ciphertext version {version}")
    raw = base64.b64decode(body)
    keys = _keys()
    # Key index 0 is always "the key that was newest when written"; after a rotation the
    # rotate command rewrites values, and until then old keys are tried in order.
    candidates = [keys[int(index)]] if int(index) < len(keys) else []
    candidates += [k for k in keys if k not in candidates]
    for key in candidates:
        try:
            return key.decrypt(raw[:12], raw[12:], associated).decode()
        except Exception:  # noqa: S112  (wrong key: try the next one)
            continue
    raise ValueError("no configured key decrypts this value")


def is_current(token: str, *, associated: bytes = b"shequ") -> bool:
    """True when the newest key (the first of SHEQU_FIELD_KEY) opens `token`.

    The index in a token says which key was first when it was written, not which key that was,
    so after a rotation only a trial decryption tells old tokens from new ones.
    """
    if token == "":
        return True
    raw = base64.b64decode(token.split(".", 2)[2])
    try:
        _keys()[0].decrypt(raw[:12], raw[12:], associated)
    except InvalidTag:
        return False
    return True


def reencrypt(token: str, *, associated: bytes = b"shequ") -> str | None:
    """`token` sealed again under the newest key, or None when it already is (rotate_keys)."""
    if is_current(token, associated=associated):
        return None
    return encrypt(decrypt(token, associated=associated), associated=associated)


def key_id(text: str) -> str:
    """A short public name for a configured key (backups and rotate_keys print it): a hash of
    32 random bytes says nothing about them, so it is safe to log and to keep beside a backup."""
    return hashlib.sha256(b"shequ-key-id:" + _decode_key(text)).hexdigest()[:12]


def digest(value: str, *, purpose: str, hash_key: str | None = None) -> str:
    """Keyed hash for exact lookup; `purpose` keeps ID and phone digests apart.

    `hash_key` (base64) overrides SHEQU_HASH_KEY: rotate_keys --rehash compares against the old key.
    """
    if value == "":
        return ""
    if hash_key is None:
        mac = _hmac_base().copy()
        mac.update(f"{purpose}:{value}".encode())
    else:
        mac = hmac.new(_decode_key(hash_key), f"{purpose}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()
