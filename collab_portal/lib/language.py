"""The portal speaks Chinese unless a person chose otherwise."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import pgettext


class PortalLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, minus the browser's Accept-Language: a company portal in China
    opens in Chinese even in an English browser; the language switch (a cookie, and the
    account's saved choice at sign-in) is the only way to English."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


def join_list(items) -> str:
    """``items`` as a list in the current language: 版本、文件 in Chinese, version, files in
    English (the separator is the translators' choice)."""
    return pgettext("list separator", ", ").join(str(item) for item in items)
