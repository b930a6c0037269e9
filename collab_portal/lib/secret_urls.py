"""URLs that carry a secret: the one-time links under ``/x/`` (plan confirmation and acceptance
by an external contact), whose token stands in for a password for 7 days.

Their token is cut from every log line (Django's, and gunicorn's access and error logs through
``GunicornLogger``, named in gunicorn.conf.py), and every answer at such a URL tells browsers
and proxies to store nothing and to send the URL to nobody as a Referer."""

import logging
import re

from django.utils.cache import add_never_cache_headers
from gunicorn import glogging

# /x/<purpose>/<token>: the token is the segment after the purpose, in a path or a full URL.
LINK_TOKEN = re.compile(r"(/x/[^/?#\s\"]+/)[^/?#\s\"]+")
HIDDEN = "***"


def without_link_tokens(text: str) -> str:
    return LINK_TOKEN.sub(rf"\1{HIDDEN}", text)


class HideLinkTokens(logging.Filter):
    """A logging filter: the record's message with any link token replaced by ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = without_link_tokens(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


_hide_link_tokens = HideLinkTokens()


class GunicornLogger(glogging.Logger):
    """gunicorn's logger, its access log (request line, Referer) and error log ("Error handling
    request /x/…") without link tokens."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            log.addFilter(_hide_link_tokens)  # once: the same filter is not added twice


class SecretUrlHeadersMiddleware:
    """Every answer at a link's URL (the page, a refusal, a used or expired link, a 404 or 405):
    ``Cache-Control: no-store``, so no shared computer's cache keeps the token. The portal's
    ``Referrer-Policy: same-origin`` keeps it from other sites; ``no-referrer`` would make the
    browser send ``Origin: null`` with the link's own form, which the CSRF check refuses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if LINK_TOKEN.match(request.path_info):
            add_never_cache_headers(response)
        return response
