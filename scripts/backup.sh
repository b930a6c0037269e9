#!/usr/bin/env bash
# Back up Collab Portal: the database and the uploaded files, into one new directory.
#
#   scripts/backup.sh [DESTINATION]        (default: var/backups)
#
# Writes DESTINATION/collab-portal-YYYYmmdd-HHMMSS/ holding
#   database.dump      PostgreSQL, pg_dump --format=custom   (or database.sqlite3 for SQLite)
#   media.tar.gz       everything under MEDIA_ROOT
#   manifest.json      rows per table, SHA-256 of every media file, a summary (cases, files...)
#   SHA256SUMS         checksums of the three files above (sha256sum -c SHA256SUMS)
# and prints that directory's path on its last line. It reads the database and MEDIA_ROOT from
# the portal's own settings (DATABASE_URL, MEDIA_ROOT...), so run it with the portal's
# environment: `make backup` on a host, `docker compose run ... web scripts/backup.sh` in
# Compose (docs/operators-guide.md). Restore with scripts/restore.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DESTINATION="${1:-$ROOT/var/backups}"
# shellcheck source=scripts/portal_settings.sh
source "$ROOT/scripts/portal_settings.sh"

# A dump holds password hashes and personal data: readable by this user only.
umask 077

load_portal_settings

mkdir -p "$DESTINATION"
final="$(cd "$DESTINATION" && pwd)/collab-portal-$(date +%Y%m%d-%H%M%S)"
if [[ -e "$final" ]]; then
    echo "backup: $final already exists; try again in a second" >&2
    exit 1
fi
# Built under a temporary name: a directory without it was never finished.
work="$final.partial"
trap 'rm -rf "$work"' EXIT
mkdir "$work"

echo "backup: database ($DB_ENGINE)" >&2
case "$DB_ENGINE" in
    postgresql)
        export_libpq_settings
        # One consistent snapshot of the whole database, while the portal keeps running.
        database_file=database.dump
        pg_dump --format=custom --file="$work/$database_file"
        ;;
    sqlite3)
        # SQLite's online backup API: a consistent copy even while the web server writes.
        database_file=database.sqlite3
        "$PYTHON" - "$SQLITE_PATH" "$work/$database_file" <<'PY'
import sqlite3
import sys

source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
target = sqlite3.connect(sys.argv[2])
source.backup(target)
# A single self-contained file (the portal's own database runs in WAL mode).
target.execute("PRAGMA journal_mode=DELETE")
target.close()
source.close()
PY
        ;;
esac

echo "backup: files under $MEDIA_ROOT" >&2
if [[ -d "$MEDIA_ROOT" ]]; then
    tar -C "$MEDIA_ROOT" -czf "$work/media.tar.gz" .
else
    tar -C "$work" -czf "$work/media.tar.gz" --files-from /dev/null
fi

echo "backup: manifest" >&2
(cd "$ROOT" && "$PYTHON" manage.py backup_info manifest "$work") >&2
(cd "$work" && sha256sum "$database_file" media.tar.gz manifest.json > SHA256SUMS)

mv "$work" "$final"
trap - EXIT
echo "$final"
