"""Refresh the translation catalogues from the code, and compile them (`make messages`).

    python scripts/messages.py            extract every marked string into locale/<lang>/…/django.po
                                          (translations kept, gone strings dropped), then compile
    python scripts/messages.py --check    exit 1 when the code marks a string no catalogue has,
                                          or a .po has an empty or fuzzy entry

Extraction needs GNU gettext (xgettext, msgmerge; `make test` installs it). Compiling uses polib,
so the committed .mo files can be rebuilt anywhere.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Not product text: the tests, benchmarks, drills and anything installed.
IGNORE = [".venv", "var", "tests", "bench", "scripts", "test-artifacts", "docs", "node_modules"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale-dir", type=Path, default=ROOT / "locale")
    parser.add_argument("--only", action="append", help="one language (repeatable)")
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    import polib
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    wanted = args.only or [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    os.chdir(ROOT)
    if args.check:
        return check(wanted, args.locale_dir)
    with override_settings(LOCALE_PATHS=[args.locale_dir]):
        call_command(
            "makemessages", locale=wanted, ignore_patterns=IGNORE, no_obsolete=True,
            extensions=["html", "txt", "py"], verbosity=0,
        )
    for language in wanted:
        po_file = args.locale_dir / language / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(po_file))
        # makemessages stamps the date; keep the header stable so an unchanged catalogue diffs clean.
        po.metadata.pop("POT-Creation-Date", None)
        po.metadata["Language"] = language
        po.save(str(po_file))
        if not args.no_compile:
            po.save_as_mofile(str(po_file.with_suffix(".mo")))
    return 0


def check(wanted: list[str], locale_dir: Path) -> int:
    import shutil
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "locale"
        shutil.copytree(locale_dir, copy)
        command = [sys.executable, __file__, "--locale-dir", str(copy), "--no-compile"]
        for language in wanted:
            command += ["--only", language]
        subprocess.run(command, check=True)
        import polib

        problems = 0
        for language in wanted:
            po = polib.pofile(str(copy / language / "LC_MESSAGES" / "django.po"))
            for entry in po:
                texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
                if "fuzzy" in entry.flags or not all(t.strip() for t in texts):
                    print(f"{language}: not translated: {entry.msgid!r}")
                    problems += 1
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
