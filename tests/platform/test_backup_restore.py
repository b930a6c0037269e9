"""scripts/backup.sh → wipe → scripts/restore.sh gives back every case and every file.

Run the way an operator runs them: as processes, configured by the environment only, against a
scratch PostgreSQL database (migrated and seeded with the demo company plus real uploaded files)
and a scratch MEDIA_ROOT.
"""

import hashlib
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

# The demo company (with a fast password hasher: 33 PBKDF2 hashes would take most of the time
# budget) plus real uploads: an attachment on each of a few cases, a delivered file, a signature
# image, and a file no row names (an archive bundle) — binary, up to 1.2 MB, Chinese names.
SEED = """
import os
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test.utils import override_settings
from acceptance_app.models import DeliveryFile, DeliveryItem
from collab_portal.org.models import User
from cases.models import Case
from requests_app.models import Attachment

with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
    call_command("seed_demo", quiet_logins=True)
admin = User.objects.get(username="admin")
for number, case in enumerate(Case.objects.order_by("code")[:4]):
    body = os.urandom(2000 + number * 400_000)
    Attachment.objects.create(
        request=case, file=ContentFile(body, name=f"需求说明 第{number}版.pdf"),
        name=f"需求说明 第{number}版.pdf", size=len(body), content_type="application/pdf",
        sha256="-", uploaded_by=admin,
    )
DeliveryFile.objects.create(
    item=DeliveryItem.objects.order_by("pk").first(),
    file=ContentFile(b"%PDF-1.7 delivered", name="交付物.pdf"), name="交付物.pdf",
    size=18, content_type="application/pdf", sha256="-", uploaded_by=admin,
)
admin.signature_image = ContentFile(b"\\x89PNG signature", name="admin.png")
admin.save()
default_storage.save("bundles/CR-archived.zip", ContentFile(os.urandom(70_000)))
"""

CASES = """
SELECT r.code, r.stage,
  (SELECT count(*) FROM tasks_app_task t WHERE t.request_id = r.id),
  (SELECT count(*) FROM risks_app_risk k WHERE k.request_id = r.id),
  (SELECT count(*) FROM activity_activity a
     JOIN django_content_type ct ON ct.id = a.subject_type_id
    WHERE ct.app_label = 'cases' AND ct.model = 'case'
      AND a.subject_id = r.id::text),
  (SELECT count(*) FROM requests_app_attachment f WHERE f.request_id = r.id)
FROM cases_case r ORDER BY r.code
"""

REFERENCED_FILES = """
SELECT file FROM requests_app_attachment
UNION ALL SELECT file FROM acceptance_app_deliveryfile
UNION ALL SELECT signature_image FROM org_user WHERE signature_image <> ''
"""


def _server_connection(dbname):
    database = settings.DATABASES["default"]
    return psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"] or None,
        dbname=dbname,
        autocommit=True,
    )


@pytest.fixture
def scratch_database():
    name = f"collab_backup_scratch_{secrets.token_hex(4)}"
    database = settings.DATABASES["default"]
    with _server_connection("postgres") as server:
        server.execute(f'CREATE DATABASE "{name}"')
    credentials = quote(database["USER"], safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    yield name, f"postgres://{credentials}@{host}:{port}/{name}"
    with _server_connection("postgres") as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _operator_env(tmp_path, database_url):
    """The portal's environment as an operator's shell would hold it: nothing from this test
    run (its DJANGO_*, PG*, REDIS_URL) leaks in."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PG", "REDIS_", "CELERY_", "DATABASE_", "MEDIA_"))
    }
    environment |= {
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "VAR_DIR": str(tmp_path / "var"),
    }
    (tmp_path / "var").mkdir()
    return environment


@pytest.fixture
def operator_env(tmp_path, scratch_database):
    return _operator_env(tmp_path, scratch_database[1])


def _run(environment, *command):
    result = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def _snapshot(dbname, media_root: Path):
    with _server_connection(dbname) as database:
        cases = database.execute(CASES).fetchall()
        referenced = sorted(row[0] for row in database.execute(REFERENCED_FILES))
    files = {
        path.relative_to(media_root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(media_root.rglob("*"))
        if path.is_file()
    }
    return cases, referenced, files


def _tables(dbname):
    with _server_connection(dbname) as database:
        return database.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()[0]


@pytest.mark.postgres
def test_backup_wipe_restore_gives_back_every_case_and_file(
    tmp_path, scratch_database, operator_env
):
    dbname, _ = scratch_database
    media_root = Path(operator_env["MEDIA_ROOT"])
    python = sys.executable
    _run(operator_env, python, "manage.py", "migrate", "--noinput", "--skip-checks", "-v0")
    _run(operator_env, python, "manage.py", "shell", "-c", SEED)
    before = _snapshot(dbname, media_root)
    cases, referenced, files = before
    assert len(cases) >= 10 and sum(case[2] for case in cases) > 50  # tasks on the demo cases
    assert len(referenced) == 6 and set(referenced) < set(files) and len(files) == 7

    backup = _backup(operator_env, tmp_path)
    assert sorted(path.name for path in backup.iterdir()) == [
        "SHA256SUMS",
        "database.dump",
        "manifest.json",
        "media.tar.gz",
    ]
    manifest = (backup / "manifest.json").read_text(encoding="utf-8")
    assert f'"cases": {len(cases)}' in manifest and '"files": 7' in manifest

    # Wipe: every table and every file gone.
    with _server_connection(dbname) as database:
        database.execute("DROP SCHEMA public CASCADE")
        database.execute("CREATE SCHEMA public")
    for path in sorted(media_root.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    assert _tables(dbname) == 0 and not any(media_root.iterdir())

    restored = _run(operator_env, "scripts/restore.sh", "--yes", str(backup))
    with translation.override(settings.LANGUAGE_CODE):  # the command speaks the portal's language
        verified = gettext("Restored and verified: %(summary)s.").split("%")[0]
    assert verified in restored.stdout
    assert _snapshot(dbname, media_root) == before


@pytest.mark.postgres
def test_restore_drops_newer_tables_and_refuses_unconfirmed_or_damaged_backups(
    tmp_path, scratch_database, operator_env
):
    """Cheap: no migrations, one table. Rolling back to a backup taken before an upgrade
    removes the upgrade's tables (even one referencing a restored table); an unconfirmed or a
    damaged restore changes nothing."""
    dbname, _ = scratch_database
    plan = Path(operator_env["MEDIA_ROOT"]) / "requests" / "plan.pdf"
    plan.parent.mkdir(parents=True)
    plan.write_bytes(b"%PDF plan")
    with _server_connection(dbname) as database:
        database.execute("CREATE TABLE cases_case (id int PRIMARY KEY, code text)")
        database.execute("INSERT INTO cases_case VALUES (1, 'CR-2025-0001')")
    backup = _backup(operator_env, tmp_path)
    with _server_connection(dbname) as database:
        database.execute("INSERT INTO cases_case VALUES (2, 'CR-2025-0002')")
        database.execute("CREATE TABLE later_feature (case_id int REFERENCES cases_case)")
        database.execute("INSERT INTO later_feature VALUES (2)")
    plan.write_bytes(b"%PDF newer plan")

    unconfirmed = _refused(operator_env, "scripts/restore.sh", str(backup))
    assert "--yes" in unconfirmed.stderr
    assert len(_codes(dbname)) == 2 and plan.read_bytes() == b"%PDF newer plan"

    _run(operator_env, "scripts/restore.sh", "--yes", str(backup))
    assert _codes(dbname) == ["CR-2025-0001"] and _tables(dbname) == 1
    assert plan.read_bytes() == b"%PDF plan"

    with _server_connection(dbname) as database:
        database.execute("INSERT INTO cases_case VALUES (3, 'CR-2025-0003')")
    archive = backup / "media.tar.gz"
    archive.write_bytes(archive.read_bytes()[:-10])
    damaged = _refused(operator_env, "scripts/restore.sh", "--yes", str(backup))
    assert "damaged" in damaged.stderr and "nothing was changed" in damaged.stderr
    assert _codes(dbname) == ["CR-2025-0001", "CR-2025-0003"]


def _codes(dbname):
    with _server_connection(dbname) as database:
        rows = database.execute("SELECT code FROM cases_case ORDER BY code")
        return [code for (code,) in rows]


def _refused(environment, *command):
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode != 0, result.stdout
    return result


def _backup(environment, tmp_path) -> Path:
    """Run scripts/backup.sh; its last line is the backup's directory."""
    output = _run(environment, "scripts/backup.sh", str(tmp_path / "backups")).stdout
    return Path(output.splitlines()[-1])


def test_sqlite_backup_wipe_restore_gives_back_rows_and_files(tmp_path):
    """The embedded run's SQLite file, in WAL mode as the portal keeps it (no migrations: the
    scripts copy whatever tables the file holds)."""
    database_path = tmp_path / "var" / "db.sqlite3"
    environment = _operator_env(tmp_path, f"sqlite:///{database_path}")
    with sqlite3.connect(database_path) as database:
        database.execute("PRAGMA journal_mode=WAL")
        database.execute("CREATE TABLE cases_case (code TEXT, stage TEXT)")
        database.executemany(
            "INSERT INTO cases_case VALUES (?, ?)",
            [(f"CR-2025-{number:04}", "executing") for number in range(1, 40)],
        )
    media_root = Path(environment["MEDIA_ROOT"])
    (media_root / "deliveries").mkdir(parents=True)
    (media_root / "deliveries" / "交付物.pdf").write_bytes(os.urandom(50_000))
    before = (_sqlite_rows(database_path), (media_root / "deliveries" / "交付物.pdf").read_bytes())

    backup = _backup(environment, tmp_path)
    assert (backup / "database.sqlite3").is_file()
    for path in database_path.parent.glob("db.sqlite3*"):
        path.unlink()
    (media_root / "deliveries" / "交付物.pdf").unlink()

    restored = _run(environment, "scripts/restore.sh", "--yes", str(backup))
    assert "cases 39" in restored.stdout
    after = (_sqlite_rows(database_path), (media_root / "deliveries" / "交付物.pdf").read_bytes())
    assert after == before


def _sqlite_rows(path):
    with sqlite3.connect(path) as database:
        return database.execute("SELECT * FROM cases_case ORDER BY code").fetchall()
