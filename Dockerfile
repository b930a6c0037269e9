# syntax=docker/dockerfile:1
# Collab Portal (沟通协作门户): one image for every role.
#   web    (default CMD)  gunicorn collab_portal.wsgi:application on :8000
#   worker celery -A collab_portal worker
#   beat   celery -A collab_portal beat      (exactly one per deployment)
# See docs/deployment.md.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=collab_portal.settings \
    DJANGO_ENV=production \
    VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/var/media

# WeasyPrint runtime (Pango, HarfBuzz; libharfbuzz-subset0 keeps font subsetting fast),
# CJK fonts for Chinese PDFs, gettext for compilemessages, pg_dump/pg_restore/psql (15, as the db
# service) for scripts/backup.sh and scripts/restore.sh. Versions come from the pinned
# Debian release (bookworm) and its security updates.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-noto-cjk \
        fonts-wqy-microhei \
        gettext \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, from [project].dependencies only, so that editing the source does not
# reinstall them. The project itself is not pip-installed: it runs from /app (PYTHONPATH).
COPY pyproject.toml /tmp/pyproject.toml
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/pyproject.toml /tmp/requirements.txt

COPY . /app

# Build-time only: production settings refuse to load without a secret key and allowed
# hosts, so give compilemessages/collectstatic throwaway values inline (never baked as ENV).
# The source stays root-owned and read-only for the app user; only var/ is writable.
RUN chmod 0755 /app/docker/entrypoint.sh \
    && mkdir -p /app/locale /app/var/media \
    && DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
       DJANGO_ALLOWED_HOSTS=localhost \
       sh -c 'python manage.py compilemessages && python manage.py collectstatic --noinput' \
    && python -m compileall -q /app \
    && chown -R app:app /app/var

USER 10001:10001

EXPOSE 8000

# GET /healthz (200 "ok" when the database answers); see docker/entrypoint.sh.
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 \
    CMD ["/app/docker/entrypoint.sh", "healthcheck"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
# Workers come from GUNICORN_WORKERS (default 3): the entrypoint exports it as
# WEB_CONCURRENCY, which gunicorn reads. Extra options: GUNICORN_CMD_ARGS.
# Each worker is replaced after 1,000–1,100 requests (the jitter keeps them from restarting
# together), so memory one request made a worker take does not stay for the worker's life.
CMD ["gunicorn", "collab_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "60", "--max-requests", "1000", "--max-requests-jitter", "100"]
