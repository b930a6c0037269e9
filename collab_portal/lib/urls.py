"""URLs: where a form sends the user back to, and URLs for many rows of one page."""

from collections.abc import Callable
from urllib.parse import quote

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

NEXT_MAX_LENGTH = 2000  # a longer Location header is refused by common proxies (502)


def local_path(candidate, *, request: HttpRequest) -> str | None:
    """``candidate`` when it is a path of this site (``/…``), else None.

    A ``next`` is what the client says, so it is checked like any input: ``//host``,
    ``https://host``, ``javascript:``, a bare word (which ``redirect`` would take for a view's
    name and answer 500), control characters and the oversized are all refused."""
    if not isinstance(candidate, str) or not candidate.startswith("/"):
        return None
    if len(candidate) > NEXT_MAX_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in candidate):
        return None
    if candidate.startswith(("//", "/\\")) or not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return candidate


def next_path(request: HttpRequest) -> str | None:
    """The ``next`` a form posts (or a link carries in its query) when it is a path of this
    site: the one way any view reads a ``next``."""
    return local_path(request.POST.get("next") or request.GET.get("next"), request=request)


def redirect_next(request: HttpRequest, default, *args, **kwargs) -> HttpResponseRedirect:
    """Back to the page named by the request's ``next``, otherwise to ``default`` (a URL, a view
    name with ``args``/``kwargs``, or an object with ``get_absolute_url``)."""
    target = next_path(request)
    return HttpResponseRedirect(target) if target else redirect(default, *args, **kwargs)


class LocalNextMixin:
    """For Django's sign-in and sign-out views: their ``next`` is read by :func:`next_path`."""

    def get_redirect_url(self) -> str:
        return next_path(self.request) or ""


CODE, NUMBER = "--code--", 987654321  # stand-ins no real case code or number looks like


def reversed_once(name: str, *stand_ins: str | int) -> Callable[..., str]:
    """The URL ``name`` reversed once with ``stand_ins`` (``CODE``, ``NUMBER``), each row's
    values then put in their place: a reverse costs a quarter millisecond, and a list of 50
    rows links to each of them several times."""
    pattern = reverse(name, args=stand_ins)

    def fill(*values) -> str:
        url = pattern
        for stand_in, value in zip(stand_ins, values, strict=True):
            url = url.replace(str(stand_in), quote(str(value), safe=""))
        return url

    return fill
