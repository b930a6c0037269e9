#!/bin/sh
# Entrypoint of the Collab Portal image (沟通协作门户容器入口).
#
#   gunicorn ...   web role: if RUN_MIGRATIONS=1, apply migrations first (serialised on a
#                  PostgreSQL advisory lock, so several web replicas may start at once),
#                  then exec gunicorn with GUNICORN_WORKERS workers (default 3).
#   healthcheck    GET http://127.0.0.1:8000/healthz; exit 0 on HTTP 200 (used by HEALTHCHECK).
#   anything else  exec'd unchanged (celery worker/beat, python manage.py ...).
set -eu

cd /app

migrate() {
    python - <<'PY'
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab_portal.settings")
django.setup()

from django.core.management import call_command
from django.db import connection

if connection.vendor == "postgresql":
    # Held by this session until the process exits; other replicas wait here.
    print("entrypoint: waiting for the migration lock", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [0x636F6C6C6162])
print("entrypoint: python manage.py migrate --noinput", flush=True)
call_command("migrate", interactive=False)
PY
}

healthcheck() {
    exec python - <<'PY'
import os
import sys
import urllib.request

# Django checks the Host header against DJANGO_ALLOWED_HOSTS: use the first usable entry.
host = "localhost"
for entry in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(","):
    entry = entry.strip().lstrip(".")
    if entry and entry != "*":
        host = entry
        break
request = urllib.request.Request(
    "http://127.0.0.1:8000/healthz",
    # As the HTTPS proxy would: no redirect to https even with DJANGO_SECURE_SSL_REDIRECT on.
    headers={"Host": host, "X-Forwarded-Proto": "https"},
)
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:
    print(f"healthcheck failed: {exc}", file=sys.stderr)
    sys.exit(1)
PY
}

case "${1:-}" in
    healthcheck)
        healthcheck
        ;;
    gunicorn)
        if [ "${RUN_MIGRATIONS:-0}" = "1" ]; then
            migrate
        fi
        # gunicorn takes its default worker count from WEB_CONCURRENCY; --workers overrides it.
        WEB_CONCURRENCY="${GUNICORN_WORKERS:-${WEB_CONCURRENCY:-3}}"
        export WEB_CONCURRENCY
        ;;
esac

exec "$@"
