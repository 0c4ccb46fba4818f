"""
Password reset by email, sent by a task like every email.

The rules:

* Asking for a reset records an `Email` (purpose password reset) for each active account with a
  usable password at that address, and nothing else: the page says the same whether or not the
  address has an account, and an unknown address queues nothing.
* Each request is its own email (its key carries the time asked for): asking twice sends two,
  and either link works until the password changes or 24 hours pass (Django's token rules).
* The link is made at the moment of sending, from the account's id (uid and token from
  Django's token generator), so no token waits in the queue. An account switched off, or left
  without a password, by then gets nothing (the email is cancelled).
* Like every link in an email it starts with `settings.SITE_URL`, never with the address the
  request came in on (which a forged Host header could set).
"""

from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from assessments import emails
from assessments.models import Email, User


def password_reset_queue(*, user: User) -> Email | None:
    """Queue a reset email to `user`, sent once the caller's transaction commits."""
    return emails.email_queue(
        purpose=Email.Purpose.PASSWORD_RESET,
        user=user,
        key=f"password_reset:{user.pk}:{timezone.now().isoformat()}",
    )


@emails.message_builder(Email.Purpose.PASSWORD_RESET)
def _password_reset_message(email: Email) -> emails.OutgoingMessage | None:
    user = email.user
    if not user.is_active or not user.has_usable_password():
        return None
    link = emails.site_link(
        "assessments:password_reset_confirm",
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )
    return emails.render_message(
        Email.Purpose.PASSWORD_RESET,
        {"full_name": user.full_name, "link": link},
        user=user,
        notify_personalisation={"full_name": user.full_name, "link": link},
    )
