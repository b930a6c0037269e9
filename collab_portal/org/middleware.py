from collab_portal.org.selectors import org_read_once


class ReadOnceMiddleware:
    """A GET or HEAD writes nothing, so whom each person acts for, the department tree and the
    entered holiday years cannot change while it is answered: they are read once per request
    instead of once per part of the page that asks (the inbox asks five times)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        with org_read_once():
            return self.get_response(request)
