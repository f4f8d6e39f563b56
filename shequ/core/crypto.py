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


def reset_key_cache() -> None:
    _keys.cache_clear()
    _hash_key.cache_clear()


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


def digest(value: str, *, purpose: str) -> str:
    """Keyed hash for exact lookup; `purpose` keeps ID and phone digests apart."""
    if value == "":
        return ""
    mac = hmac.new(_hash_key(), f"{purpose}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()
