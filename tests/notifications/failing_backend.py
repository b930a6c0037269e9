import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP down")


class RefusingBackend(BaseEmailBackend):
    """A mail server that answers every recipient with ``REPLY`` (code, text)."""

    REPLY = (550, b"5.1.1 <sales_head@example.com>: Recipient address rejected: User unknown")

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused(
            {to: self.REPLY for message in email_messages for to in message.to}
        )
