"""Fill the English catalogue: every empty msgstr becomes its msgid.

The source strings are already English, so the ``en`` catalogue only needs each translation to be the
msgid itself (plurals: ``msgstr[0]`` = msgid, ``msgstr[1]`` = msgid_plural). Translations that are
already filled in are kept, fuzzy flags are cleared, and running it again changes nothing.
Run by ``make messages`` after ``pybabel update``.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "roadshow/translations/en/LC_MESSAGES/messages.po"


def fill(catalog) -> int:
    """Fill the catalogue in place; return how many messages were changed."""
    changed = 0
    for message in catalog:
        if not message.id:  # the header
            continue
        before = (message.string, set(message.flags))
        if message.pluralizable:
            singular, plural = message.id[0], message.id[1]
            strings = list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]
            count = max(catalog.num_plurals, 2)
            strings += [""] * (count - len(strings))
            for index, value in enumerate(strings):
                if not value:
                    strings[index] = singular if index == 0 else plural
            message.string = tuple(strings)
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
        if (message.string, set(message.flags)) != before:
            changed += 1
    return changed


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_PATH
    original = path.read_bytes()
    catalog = read_po(io.BytesIO(original), locale="en")
    changed = fill(catalog)
    out = io.BytesIO()
    write_po(out, catalog)
    if out.getvalue() != original:
        path.write_bytes(out.getvalue())
    print(f"{path}: {changed} message(s) filled or unflagged")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
