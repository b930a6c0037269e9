"""WSGI entry of the load benchmark's gunicorn: the portal's own application and settings, with
one more URL, the yardstick (benchmarks/load_urls.py)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab_portal.settings")
settings.ROOT_URLCONF = "benchmarks.load_urls"
application = get_wsgi_application()
