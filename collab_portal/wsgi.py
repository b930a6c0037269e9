import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab_portal.settings")
application = get_wsgi_application()

# Everything loaded so far lives as long as the worker: keep it out of the garbage collector's
# full passes, which otherwise cost large pages (2,000 tasks) tens of milliseconds at random.
gc.freeze()
