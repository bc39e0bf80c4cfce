#!/usr/bin/env python3
"""Keep smmflow's gettext catalogs current: extract, update each language, compile.

    python tools/i18n.py          # smmflow/locale/smmflow.pot, <lang>/LC_MESSAGES/smmflow.po, .mo
    python tools/i18n.py --check  # exit 1 when a catalog is stale or a message is untranslated

Messages are every `gettext`/`ngettext`/`pgettext` call in smmflow/ (on a `Words`:
smmflow/text/i18n.py); never inside an f-string, where extraction cannot see them
(tests/test_i18n.py checks). The .po files are for translators, the .mo files are what
smmflow reads; both are committed, and tests/test_i18n.py recompiles each .po and
compares it with its .mo byte for byte.
"""

from __future__ import annotations

import argparse
import datetime
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "smmflow"
LOCALE = PACKAGE / "locale"
DOMAIN = "smmflow"
FIXED = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)  # stable headers
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def template() -> Catalog:
    catalog = Catalog(
        domain=DOMAIN, project="smmflow", charset="utf-8", creation_date=FIXED, revision_date=FIXED
    )
    for _file, _line, message, _comments, context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        catalog.add(message, context=context)
    return catalog


def pot_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, omit_header=True, no_location=True, sort_output=True, width=100)
    return out.getvalue()


def mo_bytes(po: Path) -> bytes:
    with po.open("rb") as handle:
        catalog = read_po(handle)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def _translated(string: object) -> bool:
    if isinstance(string, (list, tuple)):
        return bool(string) and all(string)
    return bool(string)


def update(lang_po: Path, pot: Catalog) -> tuple[bytes, list[str]]:
    """The updated .po of one language, and its messages without a translation."""
    with lang_po.open("rb") as handle:
        catalog = read_po(handle)
    catalog.update(pot, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    out = io.BytesIO()
    write_po(out, catalog, no_location=True, sort_output=True, width=100, ignore_obsolete=True)
    missing = [str(m.id) for m in catalog if m.id and not _translated(m.string)]
    return out.getvalue(), missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    pot = template()
    wanted = {LOCALE / f"{DOMAIN}.pot": pot_bytes(pot)}
    problems = []
    for po in sorted(LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        data, missing = update(po, pot)
        wanted[po] = data
        problems += [f"{po.relative_to(ROOT)}: no translation for {m!r}" for m in missing]
    for path, data in wanted.items():
        if args.check and (not path.is_file() or path.read_bytes() != data):
            problems.append(f"{path.relative_to(ROOT)} is stale: run python tools/i18n.py")
        elif not args.check:
            path.write_bytes(data)
    for po in sorted(LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if args.check and (not mo.is_file() or mo.read_bytes() != mo_bytes(po)):
            problems.append(f"{mo.relative_to(ROOT)} is stale: run python tools/i18n.py")
        elif not args.check:
            mo.write_bytes(mo_bytes(po))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
