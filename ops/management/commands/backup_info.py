"""What scripts/backup.sh and scripts/restore.sh need from the settings, and their manifest.

    backup_info shell-env       the database and MEDIA_ROOT as shell assignments (for eval)
    backup_info manifest DIR    write DIR/manifest.json from the artifacts in DIR
    backup_info verify DIR      compare the live database and MEDIA_ROOT with DIR/manifest.json

Row counts are read from the artifacts themselves (the pg_dump file, the SQLite copy) and file
checksums from the media archive, so the manifest describes exactly what was saved even when
people kept working while the backup ran.
"""

import datetime
import hashlib
import json
import shlex
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models
from django.utils.translation import gettext as _

MANIFEST_FORMAT = 1
POSTGRES_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA_ARCHIVE = "media.tar.gz"
CHUNK = 1024 * 1024

# The figures an operator checks first.
SUMMARY_MODELS = {
    "cases": "cases.Case",
    "tasks": "tasks_app.Task",
    "risks": "risks_app.Risk",
    "activities": "activity.Activity",
    "users": "org.User",
    "departments": "org.Department",
}


class Command(BaseCommand):
    help = "Settings and manifest for scripts/backup.sh and scripts/restore.sh."
    # The checks import every URLconf (WeasyPrint included): seconds the scripts do not need.
    requires_system_checks = []

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("shell-env", help="Database and MEDIA_ROOT as shell assignments.")
        for action, help_text in (
            ("manifest", "Write DIRECTORY/manifest.json from the backup's files."),
            ("verify", "Compare the database and MEDIA_ROOT with DIRECTORY/manifest.json."),
        ):
            actions.add_parser(action, help=help_text).add_argument("directory", type=Path)

    def handle(self, *args, action, **options):
        if action == "shell-env":
            self.stdout.write(shell_assignments())
        elif action == "manifest":
            manifest = manifest_write(options["directory"])
            self.stdout.write(summary_line(manifest["summary"]))
        else:
            problems = verify(options["directory"])
            if problems:
                raise CommandError("\n".join(problems))
            manifest = read_manifest(options["directory"])
            self.stdout.write(
                self.style.SUCCESS(
                    _("Restored and verified: %(summary)s.")
                    % {"summary": summary_line(manifest["summary"])}
                )
            )


def shell_assignments() -> str:
    database = settings.DATABASES["default"]
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    values = {"DB_ENGINE": engine, "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    if engine == "sqlite3":
        values["SQLITE_PATH"] = str(database["NAME"])
    elif engine == "postgresql":
        # libpq reads these, so a password with any character needs no URL quoting.
        values |= {
            "PGHOST": database.get("HOST") or "",
            "PGPORT": str(database.get("PORT") or ""),
            "PGUSER": database.get("USER") or "",
            "PGPASSWORD": database.get("PASSWORD") or "",
            "PGDATABASE": database["NAME"],
        }
        if sslmode := database.get("OPTIONS", {}).get("sslmode"):
            values["PGSSLMODE"] = sslmode
    else:
        raise CommandError(
            _("Backups support PostgreSQL and SQLite, not %(engine)s.") % {"engine": engine}
        )
    return "\n".join(f"{name}={shlex.quote(value)}" for name, value in values.items())


def manifest_write(directory: Path) -> dict:
    if (directory / POSTGRES_DUMP).is_file():
        engine, tables = "postgresql", postgres_dump_row_counts(directory / POSTGRES_DUMP)
        database_file = POSTGRES_DUMP
    elif (directory / SQLITE_COPY).is_file():
        engine, tables = "sqlite3", sqlite_row_counts(directory / SQLITE_COPY)
        database_file = SQLITE_COPY
    else:
        raise CommandError(_("%(directory)s holds no database copy.") % {"directory": directory})
    media = media_archive_checksums(directory / MEDIA_ARCHIVE)
    manifest = {
        "format": MANIFEST_FORMAT,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": {
            "engine": engine,
            "file": database_file,
            "tables": dict(sorted(tables.items())),
        },
        "media": {"file": MEDIA_ARCHIVE, "files": dict(sorted(media.items()))},
        "summary": summary(tables, media),
    }
    (directory / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return manifest


def postgres_dump_row_counts(dump: Path) -> dict[str, int]:
    """Rows per table as stored in the dump: one line per row between COPY and the end marker."""
    counts: dict[str, int] = {}
    process = subprocess.Popen(
        ["pg_restore", "--data-only", "--file=-", str(dump)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    table = None
    for line in process.stdout:
        if table is None:
            if line.startswith(b"COPY "):
                table = _unqualified(line.split()[1].decode())
                counts[table] = 0
        elif line == b"\\.\n":
            table = None
        else:
            counts[table] += 1
    if process.wait() != 0:
        raise CommandError(process.stderr.read().decode(errors="replace"))
    return counts


def _unqualified(name: str) -> str:
    name = name.removeprefix("public.")
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def sqlite_row_counts(copy: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{copy}?mode=ro", uri=True) as database:
        names = [
            row[0]
            for row in database.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: database.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names
        }


def media_archive_checksums(archive: Path) -> dict[str, str]:
    checksums = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if member.isfile():
                checksums[_normalised(member.name)] = _sha256(tar.extractfile(member))
    return checksums


def _normalised(name: str) -> str:
    return name.removeprefix("./")


def _sha256(stream) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def summary(tables: dict[str, int], media: dict[str, str]) -> dict[str, int]:
    figures = {}
    for label, model_name in SUMMARY_MODELS.items():
        try:
            table = apps.get_model(model_name)._meta.db_table
        except LookupError:
            continue
        figures[label] = tables.get(table, 0)
    figures["files"] = len(media)
    figures["tables"] = len(tables)
    figures["rows"] = sum(tables.values())
    return figures


def summary_line(figures: dict[str, int]) -> str:
    return ", ".join(f"{label} {count}" for label, count in figures.items())


def read_manifest(directory: Path) -> dict:
    path = directory / "manifest.json"
    if not path.is_file():
        raise CommandError(_("%(path)s does not exist.") % {"path": path})
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != MANIFEST_FORMAT:
        raise CommandError(_("%(path)s is not a Collab Portal backup manifest.") % {"path": path})
    return manifest


def verify(directory: Path) -> list[str]:
    """Every way the live database and MEDIA_ROOT differ from the manifest (empty: identical)."""
    manifest = read_manifest(directory)
    problems = []
    expected_engine = manifest["database"]["engine"]
    live_engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    if expected_engine != live_engine:
        return [
            _("The backup holds a %(backup)s database; this portal uses %(live)s.")
            % {"backup": expected_engine, "live": live_engine}
        ]
    expected_rows = manifest["database"]["tables"]
    live_rows = live_row_counts()
    for table in sorted(expected_rows.keys() | live_rows.keys()):
        expected, live = expected_rows.get(table), live_rows.get(table)
        if expected != live:
            problems.append(
                _("Table %(table)s: %(live)s rows, the backup has %(expected)s.")
                % {"table": table, "live": live, "expected": expected}
            )
    expected_files = manifest["media"]["files"]
    live_files = media_checksums(Path(settings.MEDIA_ROOT))
    for name in sorted(expected_files.keys() | live_files.keys()):
        expected, live = expected_files.get(name), live_files.get(name)
        if live is None:
            problems.append(_("File %(name)s is missing from MEDIA_ROOT.") % {"name": name})
        elif expected is None:
            problems.append(
                _("File %(name)s is in MEDIA_ROOT but not in the backup.") % {"name": name}
            )
        elif expected != live:
            problems.append(_("File %(name)s differs from the backup.") % {"name": name})
    if not problems:
        for name in referenced_files(tables=live_rows.keys()):
            if name not in live_files:
                problems.append(
                    _("The database names the file %(name)s, which is not in MEDIA_ROOT.")
                    % {"name": name}
                )
    return problems


def live_row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
        return counts


def media_checksums(root: Path) -> dict[str, str]:
    checksums = {}
    if root.is_dir():
        for path in root.rglob("*"):
            if path.is_file():
                with path.open("rb") as stream:
                    checksums[path.relative_to(root).as_posix()] = _sha256(stream)
    return checksums


def referenced_files(*, tables) -> set[str]:
    """The names every FileField stores, in the models whose table exists."""
    names = set()
    for model in apps.get_models():
        if model._meta.db_table not in tables:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                names.update(
                    model._base_manager.exclude(**{field.name: ""})
                    .exclude(**{f"{field.name}__isnull": True})
                    .values_list(field.name, flat=True)
                )
    return names
