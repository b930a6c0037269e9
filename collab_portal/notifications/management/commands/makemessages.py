"""Django's makemessages, also finding the messages of ``Text.counted(singular, plural, n)``
(collab_portal.lib.stored_text): sentences the portal stores with a count."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=counted:1,2"]
