"""Both catalogues cover every string of the code and templates, with matching placeholders."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as handle:
        return {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle) if message.id}


def catalogue(language):
    with (ROOT / "roadshow" / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {
            (message.id if isinstance(message.id, str) else message.id[0]): message
            for message in read_po(handle) if message.id
        }


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_string_is_translated(extracted, language):
    messages = catalogue(language)
    missing = sorted(msgid for msgid in extracted if msgid not in messages)
    empty = sorted(msgid for msgid in extracted if msgid in messages and
                   (not messages[msgid].string or (isinstance(messages[msgid].string, tuple) and not all(messages[msgid].string))))
    fuzzy = sorted(msgid for msgid in extracted if msgid in messages and messages[msgid].fuzzy)
    assert not missing, f"run `make messages` and translate: {missing[:10]}"
    assert not empty, f"untranslated in {language}: {empty[:10]}"
    assert not fuzzy, f"fuzzy in {language}: {fuzzy[:10]}"


def test_placeholders_survive_translation():
    for msgid, message in catalogue("zh_CN").items():
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(" ".join(sources)))
        for target in targets:
            assert set(PLACEHOLDER.findall(target)) == expected, msgid
