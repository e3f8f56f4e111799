"""Password hashing (argon2id) and the random tokens mailed or handed out to people."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Fast parameters for the test suite only; set by create_app when PASSWORD_HASH_FAST is on.
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_active = {"hasher": _hasher}


def init_app(app) -> None:
    _active["hasher"] = _fast_hasher if app.config.get("PASSWORD_HASH_FAST") else _hasher


def hash_password(password: str) -> str:
    return _active["hasher"].hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; an account without a password hash never matches.

    An unknown email is checked against a throwaway hash so that it costs the same time as a
    wrong password and the answer does not reveal which emails exist.
    """
    try:
        return _active["hasher"].verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _active["hasher"].check_needs_rehash(password_hash)


_dummy_hashes: dict[int, str] = {}


def _dummy_hash() -> str:
    hasher = _active["hasher"]
    key = id(hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash(secrets.token_hex(16))
    return _dummy_hashes[key]


def new_token(prefix: str = "") -> str:
    """A URL-safe random token with 256 bits of entropy."""
    return prefix + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored; the token itself never is."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
