"""The portal's URLs plus the load benchmark's yardstick: a view that does nothing, so its
latency is what gunicorn, the middleware and the machine cost on their own."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

from collab_portal.urls import urlpatterns as portal_urlpatterns


@login_not_required
def yardstick(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__yardstick/", yardstick), *portal_urlpatterns]
