"""Outgoing e-mail through the operator's SMTP server (``MAIL_*`` settings), with smtplib.

Nothing is sent unless ``MAIL_SERVER`` is set: without it, :func:`mail_configured` is False
and the features that would mail (digests, password reset links) say so or use another way.
"""

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

logger = logging.getLogger(__name__)


def mail_configured() -> bool:
    """Whether the operator configured an SMTP server."""
    return bool(current_app.config.get("MAIL_SERVER"))


def send_mail(messages: list[tuple[str, str, str]]) -> int:
    """Send ``(to, subject, body)`` plain-text messages over one SMTP connection; returns how
    many the server accepted. Raises ``smtplib.SMTPException`` / ``OSError`` when the server
    cannot be reached."""
    if not messages:
        return 0
    config = current_app.config
    server, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
    sender = config.get("MAIL_DEFAULT_SENDER") or "commonground@localhost"
    timeout = float(config.get("MAIL_TIMEOUT") or 30)
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(server, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(server, port, timeout=timeout)
    sent = 0
    with smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        for to, subject, body in messages:
            message = EmailMessage()
            message["From"] = sender
            message["To"] = to
            message["Subject"] = subject
            message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
            message.set_content(body)
            smtp.send_message(message)
            sent += 1
    logger.info("mailed %s message(s) through %s:%s", sent, server, port)
    return sent
