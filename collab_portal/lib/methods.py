"""HTTP methods: the portal serves GET, HEAD and POST. Any other (OPTIONS, TRACE, PUT, …) is
answered 405 before a view, the CSRF check or the sign-in redirect sees it, with the methods
the page does serve in ``Allow``."""

import inspect

from django.http import HttpResponseNotAllowed

SERVED_METHODS = ("GET", "HEAD", "POST")


def allowed_methods(view) -> list[str]:
    """The served methods ``view`` answers: a class-based view's handlers (HEAD with GET), the
    list a function view gave ``require_http_methods`` (``require_GET``, ``require_POST``), or,
    for a view that declares none, all three."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handles = {m for m in view_class.http_method_names if hasattr(view_class, m)}
        if "get" in handles and "head" in view_class.http_method_names:
            handles.add("head")
        return [m for m in SERVED_METHODS if m.lower() in handles]
    while view is not None:  # through the decorators, to require_http_methods' list
        declared = inspect.getclosurevars(view).nonlocals.get("request_method_list")
        if declared is not None:
            return [m for m in SERVED_METHODS if m in declared]
        view = getattr(view, "__wrapped__", None)
    return list(SERVED_METHODS)


class UnservedMethodsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in SERVED_METHODS:
            return None
        return HttpResponseNotAllowed(allowed_methods(view_func))
