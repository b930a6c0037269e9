"""The Celery app: a worker with beat in the embedded run; workers ×N and one beat in production."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab_portal.settings")

app = Celery("collab_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

if app.conf.broker_url.startswith("filesystem://"):
    # kombu's filesystem transport needs its folders and has no broadcast (remote control).
    for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        Path(app.conf.broker_transport_options[key]).mkdir(parents=True, exist_ok=True)
    app.conf.worker_enable_remote_control = False
