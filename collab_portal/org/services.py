"""Writes on the organisation that the portal itself makes (admins configure the rest)."""

from collab_portal.org.models import User


def user_set_language(*, user: User, language: str) -> None:
    if language in User.Language.values and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
