# Sourced by scripts/backup.sh and scripts/restore.sh (ROOT set to the project's directory):
# the Python that runs the portal, and the portal's own settings for the database and the files.

if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x "$ROOT/.venv/bin/python" ]]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi

# DB_ENGINE, SQLITE_PATH or PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE/PGSSLMODE, MEDIA_ROOT:
# read from the portal's settings (DATABASE_URL, MEDIA_ROOT...), as the web server reads them.
load_portal_settings() {
    local settings
    settings="$(cd "$ROOT" && "$PYTHON" manage.py backup_info shell-env)"
    eval "$settings"
}

# libpq reads these (the settings' values win over any already in the environment).
export_libpq_settings() {
    local name
    for name in PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSSLMODE; do
        if [[ -n "${!name:-}" ]]; then export "$name"; else unset "$name"; fi
    done
}
