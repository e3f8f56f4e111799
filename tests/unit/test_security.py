"""Password hashing and tokens (pure functions, no app)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from roadshow import security


def test_hash_is_argon2id_and_verifies():
    digest = security.hash_password("correct horse battery")
    assert digest.startswith("$argon2id$")
    assert security.verify_password(digest, "correct horse battery")
    assert not security.verify_password(digest, "correct horse batterY")


def test_missing_or_broken_hash_never_verifies():
    assert not security.verify_password(None, "anything")
    assert not security.verify_password("not a hash", "anything")


def test_tokens_are_random_and_stored_as_digests():
    a, b = security.new_token("rs_"), security.new_token("rs_")
    assert a != b and a.startswith("rs_") and len(a) > 40
    assert security.token_digest(a) == security.token_digest(a)
    assert len(security.token_digest(a)) == 64 and a not in security.token_digest(a)


@settings(max_examples=50)
@given(st.text(min_size=1, max_size=60))
def test_digest_is_deterministic_and_distinct(text):
    assert security.token_digest(text) == security.token_digest(text)
    assert security.token_digest(text) != security.token_digest(text + "x")
