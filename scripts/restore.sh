#!/usr/bin/env bash
# Restore Collab Portal from a directory written by scripts/backup.sh.
#
#   scripts/restore.sh [--yes] BACKUP_DIRECTORY
#
# REPLACES the database and everything under MEDIA_ROOT. Stop the web server, the Celery
# worker and beat first. In order:
#   1. checks SHA256SUMS: a damaged or incomplete backup is refused before anything changes;
#   2. restores the database (PostgreSQL: every table dropped, then pg_restore --clean
#      --if-exists, in one transaction; SQLite: the online backup API, so no stale WAL survives);
#   3. empties MEDIA_ROOT and unpacks media.tar.gz into it;
#   4. compares every table's row count and every file's SHA-256 with manifest.json, checks
#      that every file the database names exists, and exits non-zero on any difference.
# Without --yes it asks for confirmation on a terminal and refuses otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/portal_settings.sh
source "$ROOT/scripts/portal_settings.sh"

confirmed=no
if [[ "${1:-}" == "--yes" ]]; then
    confirmed=yes
    shift
fi
if [[ $# -ne 1 ]]; then
    echo "usage: scripts/restore.sh [--yes] BACKUP_DIRECTORY" >&2
    exit 2
fi
backup="$(cd "$1" && pwd)"

echo "restore: checking $backup/SHA256SUMS" >&2
if [[ ! -f "$backup/SHA256SUMS" ]]; then
    echo "restore: $backup has no SHA256SUMS: not a finished backup" >&2
    exit 1
fi
(cd "$backup" && sha256sum --quiet --strict -c SHA256SUMS) || {
    echo "restore: $backup is damaged (checksums differ); nothing was changed" >&2
    exit 1
}

load_portal_settings

if [[ -f "$backup/database.dump" ]]; then backup_engine=postgresql; else backup_engine=sqlite3; fi
if [[ "$backup_engine" != "$DB_ENGINE" ]]; then
    echo "restore: the backup holds a $backup_engine database; this portal uses $DB_ENGINE" >&2
    exit 1
fi

if [[ "$confirmed" != yes ]]; then
    target="${PGDATABASE:-${SQLITE_PATH:-}}"
    if [[ ! -t 0 ]]; then
        echo "restore: this replaces database $target and $MEDIA_ROOT; add --yes to go on" >&2
        exit 1
    fi
    read -r -p "Replace database $target and everything in $MEDIA_ROOT with $backup? Type yes: " answer
    [[ "$answer" == yes ]] || { echo "restore: nothing was changed" >&2; exit 1; }
fi

echo "restore: database ($DB_ENGINE)" >&2
case "$DB_ENGINE" in
    postgresql)
        export_libpq_settings
        # One transaction: drop every table and sequence of the schema first (--clean alone
        # would keep, or fail on, the tables of migrations newer than the backup — a rollback),
        # then the backup's objects, owned by whoever restores so that another server's user
        # works too. COMMIT is sent only when pg_restore read the whole dump.
        {
            echo "BEGIN;"
            echo "SET client_min_messages = warning;"
            cat <<'SQL'
DO $$
DECLARE item record;
BEGIN
    FOR item IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', item.tablename);
    END LOOP;
    FOR item IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
        EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', item.sequencename);
    END LOOP;
END
$$;
SQL
            pg_restore --clean --if-exists --no-owner --no-acl --file=- "$backup/database.dump" &&
                echo "COMMIT;"
        } | psql --no-psqlrc --quiet --set=ON_ERROR_STOP=1 --output=/dev/null --dbname="$PGDATABASE"
        ;;
    sqlite3)
        mkdir -p "$(dirname "$SQLITE_PATH")"
        "$PYTHON" - "$backup/database.sqlite3" "$SQLITE_PATH" <<'PY'
import sqlite3
import sys

source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
target = sqlite3.connect(sys.argv[2], timeout=20)
source.backup(target)
target.close()
source.close()
PY
        ;;
esac

echo "restore: files into $MEDIA_ROOT" >&2
mkdir -p "$MEDIA_ROOT"
find "$MEDIA_ROOT" -mindepth 1 -delete
tar -C "$MEDIA_ROOT" -xzf "$backup/media.tar.gz"

echo "restore: verifying against $backup/manifest.json" >&2
cd "$ROOT"
"$PYTHON" manage.py backup_info verify "$backup"
