"""Small pure helpers of the web and config layers."""
from __future__ import annotations

import pytest

from roadshow.config import normalise_database_url, persistent_secret_key
from roadshow.web.admin.forms import parse_bilingual_lines
from roadshow.web.helpers import safe_next


@pytest.mark.parametrize("target, expected", [
    ("/account/", "/account/"),
    ("/contests/x?tab=1", "/contests/x?tab=1"),
    ("https://evil.example/", "/fallback"),
    ("//evil.example/", "/fallback"),
    ("/\\evil.example", "/fallback"),
    ("javascript:alert(1)", "/fallback"),
    ("", "/fallback"),
    (None, "/fallback"),
])
def test_safe_next(target, expected):
    assert safe_next(target, "/fallback") == expected


@pytest.mark.parametrize("url, expected", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_database_urls_use_psycopg3(url, expected):
    assert normalise_database_url(url) == expected


def test_secret_key_is_created_once_and_kept(tmp_path):
    first = persistent_secret_key(tmp_path)
    assert len(first) == 64
    assert persistent_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_parse_bilingual_lines():
    assert parse_bilingual_lines("医疗器械 | Medical devices\n\n新材料|New materials\n生命科学") == [
        ("医疗器械", "Medical devices"), ("新材料", "New materials"), ("生命科学", ""),
    ]
