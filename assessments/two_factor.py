"""
Two-factor sign-in for officers and admins, on django-otp: a code from an authenticator app
(a TOTP device) or a recovery code (a static device), after the password.

The rules:

* **Who is asked.** Anyone with a confirmed authenticator app gives a code after their password
  (`needs_code`), within 10 minutes of it: the sign-in view does not sign them in until they do. Admins must have one to
  reach Django admin (innovation_checklist/admin_site.py). An officer whose council has
  `require_two_factor_for_officers` is sent to set one up after signing in, and kept on the
  set-up pages until they have (`setup_required`). Councillors are never asked.
* **Council sign-in.** A sign-in through the council's own provider has had its second factor
  there: `mark_verified_by_provider(request)` records that in the session, and nothing here
  asks again (Django admin still asks admins for their own code).
* **Codes.** Each wrong code makes the next try wait longer (django-otp's throttling: 1 s, 2 s,
  4 s ...); a code is accepted once (django-otp refuses a time step already used).
* **Recovery codes.** Ten, shown once when made. django-otp keeps static tokens as typed; we
  keep a keyed hash of each instead (`_digest`), so a copy of the database gives none away.
  Each works once; making new ones deletes the old.
* **Reset.** An admin can remove someone's two-factor (`two_factor_reset`); they set it up again.

Every set-up, code refused, recovery code used and reset goes to the security log.
"""

import hashlib
import hmac
import time
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django_otp import login as otp_login
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments.access_log import audit_access
from assessments.audit import log_security_event
from assessments.models import AccessEvent, User

RECOVERY_CODE_COUNT = 10
# Session keys: who has given a good password and still owes a code, and whether this session
# must set two-factor up before anything else.
PENDING_USER_SESSION_KEY = "two_factor_pending_user"
PENDING_BACKEND_SESSION_KEY = "two_factor_pending_backend"
PENDING_SINCE_SESSION_KEY = "two_factor_pending_since"
# How long after a good password the code may be given.
PENDING_SECONDS = 10 * 60
SETUP_REQUIRED_SESSION_KEY = "two_factor_setup_required"
PROVIDER_VERIFIED_SESSION_KEY = "two_factor_verified_by_provider"
# The pages an officer who must set up two-factor may still open (URL names).
SETUP_ALLOWED_VIEWS = frozenset(
    {
        "assessments:two_factor_setup",
        "assessments:two_factor_recovery_codes",
        "assessments:sign_out",
    }
)


class CodeRefused(Exception):
    """A code was wrong, or came too soon after a wrong one (`wait` is then True)."""

    def __init__(self, *, wait: bool = False):
        self.wait = wait
        super().__init__("too soon" if wait else "wrong code")


@dataclass(frozen=True)
class SetupPage:
    """What the set-up page shows: the QR code as inline SVG and the secret for typing in."""

    qr_svg: str
    secret: str


# --- Who is asked --------------------------------------------------------------------------


def code_step(next_url: str) -> HttpResponseRedirect:
    """To the page that asks for a code, then on to `next_url`."""
    return redirect(f"{reverse('assessments:two_factor_verify')}?{urlencode({'next': next_url})}")


def setup_step(next_url: str) -> HttpResponseRedirect:
    """To the set-up page, then on to `next_url`."""
    return redirect(f"{reverse('assessments:two_factor_setup')}?{urlencode({'next': next_url})}")


def authenticator(user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator app, if they have set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def needs_code(user: User) -> bool:
    """Whether signing in asks this person for a code after their password."""
    return authenticator(user) is not None


def council_requires_two_factor(user: User) -> bool:
    """An officer of a council that requires two-factor for its officers."""
    return (
        user.is_officer
        and user.council is not None
        and user.council.require_two_factor_for_officers
    )


def is_verified(request: HttpRequest) -> bool:
    """Whether this session gave a code, or signed in through the council's provider."""
    user = request.user
    return bool(user.is_verified() or request.session.get(PROVIDER_VERIFIED_SESSION_KEY))  # type: ignore[union-attr]


def mark_verified_by_provider(request: HttpRequest) -> None:
    """For the council sign-in (OpenID Connect): call after `login()`. The council's provider
    asked for its own second factor, so this session is not asked for ours."""
    request.session[PROVIDER_VERIFIED_SESSION_KEY] = True
    request.session.pop(SETUP_REQUIRED_SESSION_KEY, None)


def sign_in_started(request: HttpRequest, user: User, backend: str) -> None:
    """The password was right and the person has an authenticator app: remember who they are
    until they give a code (`sign_in_finish`), without signing them in yet."""
    request.session.cycle_key()
    request.session[PENDING_USER_SESSION_KEY] = user.pk
    request.session[PENDING_BACKEND_SESSION_KEY] = backend
    request.session[PENDING_SINCE_SESSION_KEY] = int(time.time())


def ask_for_code(request: HttpRequest) -> None:
    """A session signed in by password alone (Django admin's own login form) for someone with
    an authenticator: sign it out and ask for the code, as our sign-in does."""
    from django.contrib.auth import BACKEND_SESSION_KEY, logout

    user = request.user
    backend = request.session.get(BACKEND_SESSION_KEY, "django.contrib.auth.backends.ModelBackend")
    logout(request)
    sign_in_started(request, user, backend=backend)  # type: ignore[arg-type]


def pending_user(request: HttpRequest) -> User | None:
    """Who gave a good password in this session and still owes a code."""
    pk = request.session.get(PENDING_USER_SESSION_KEY)
    since = request.session.get(PENDING_SINCE_SESSION_KEY, 0)
    if pk is None or time.time() - since > PENDING_SECONDS:
        # A password given and left at the code step too long must be given again.
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def after_password_sign_in(request: HttpRequest, user: User) -> None:
    """After a password-only sign-in: an officer whose council requires two-factor must set it
    up before anything else (`setup_required` keeps them there)."""
    if council_requires_two_factor(user):
        request.session[SETUP_REQUIRED_SESSION_KEY] = True


def setup_required(get_response):
    """Middleware: a session marked by `after_password_sign_in` opens only the set-up pages
    (and sign-out) until two-factor is set up. No database query for anyone else."""

    def middleware(request):
        if request.session.get(SETUP_REQUIRED_SESSION_KEY) and request.user.is_authenticated:
            try:
                view_name = resolve(request.path_info).view_name
            except Resolver404:
                view_name = ""
            if view_name not in SETUP_ALLOWED_VIEWS and not view_name.startswith("operations:"):
                return redirect("assessments:two_factor_setup")
        return get_response(request)

    return middleware


class LazyOTPMiddleware(OTPMiddleware):
    """django-otp's middleware, but the session's device is loaded (one query) only when
    something asks `request.user.is_verified()`: Django admin and the two-factor pages do; the
    service's other pages never ask, so they cost no more queries than before."""

    def _verify_user_sync(self, request, user):
        check = super()._verify_user_sync
        checked = False

        def is_verified() -> bool:
            nonlocal checked
            if not checked:
                check(request, user)
                checked = True
            return user.otp_device is not None

        user.otp_device = None
        user.is_verified = is_verified
        return user


# --- Setting up ----------------------------------------------------------------------------


def setup_pending(user: User) -> bool:
    """Whether the person has an authenticator being set up (shown, not yet confirmed)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).exists()


def setup_start(*, user: User) -> TOTPDevice:
    """The person's unconfirmed authenticator device, made if they have none: reloading the
    set-up page keeps the same secret, so a code from the app scanned first still works."""
    # The earliest, here and in `setup_confirm`: two pages opened at once show the same key.
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def setup_page(device: TOTPDevice) -> SetupPage:
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(scale=5, title="", dark="#0b0c0c", light="#ffffff")
    return SetupPage(
        qr_svg=svg, secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    )


def setup_confirm(*, request: HttpRequest, user: User, code: str) -> list[str]:
    """Confirm the authenticator with a code from it; return the new recovery codes (shown
    once). A second submit of the same code (a double click) is refused, never an error."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        allowed = device is not None and device.verify_is_allowed()[0]
        # A wrong code's throttling is saved: the refusal is raised after the transaction.
        accepted = allowed and device is not None and device.verify_token(code.replace(" ", ""))
        if accepted and device is not None:
            # One authenticator per person: a new one replaces any earlier.
            TOTPDevice.objects.filter(user=user, confirmed=True).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _recovery_codes_replace(user)
    if device is None or not accepted:
        log_security_event(request, "two_factor_code_refused", user=user.pk)
        raise CodeRefused(wait=device is not None and not allowed)
    otp_login(request, device)
    request.session.pop(SETUP_REQUIRED_SESSION_KEY, None)
    log_security_event(request, "two_factor_set_up", user=user.pk)
    return codes


def recovery_codes_regenerate(*, request: HttpRequest, user: User) -> list[str]:
    """New recovery codes for a person with an authenticator; the old ones stop working."""
    with transaction.atomic():
        codes = _recovery_codes_replace(user)
    log_security_event(request, "two_factor_recovery_codes_made", user=user.pk)
    return codes


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=_digest(c)) for c in codes)
    return codes


def _digest(code: str) -> str:
    """A recovery code as kept: an HMAC of it under SECRET_KEY, 16 hex characters (the column's
    size); a recovery code has 50 random bits, so it cannot be guessed from the digest without
    the key."""
    normalised = code.replace(" ", "").replace("-", "").lower().encode()
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"recovery-code:" + normalised, hashlib.sha256).hexdigest()[:16]


# --- Signing in with a code ----------------------------------------------------------------


def sign_in_finish(*, request: HttpRequest, code: str) -> User:
    """Check the code of the person `pending_user` names (an authenticator code, or a recovery
    code, which is then used up) and sign them in. Raises CodeRefused."""
    from django.contrib.auth import login

    user = pending_user(request)
    if user is None:
        raise CodeRefused()
    device, allowed = _verify_any(user, code)
    if device is None:
        log_security_event(request, "two_factor_code_refused", user=user.pk)
        raise CodeRefused(wait=not allowed)
    request.session.pop(PENDING_USER_SESSION_KEY, None)
    backend = request.session.pop(
        PENDING_BACKEND_SESSION_KEY, "django.contrib.auth.backends.ModelBackend"
    )
    login(request, user, backend=backend)
    otp_login(request, device)
    if isinstance(device, StaticDevice):
        log_security_event(request, "two_factor_recovery_code_used", user=user.pk)
    return user


def _verify_any(user: User, code: str) -> tuple[Device | None, bool]:
    """The device that accepts `code` (None if none does), and whether trying was allowed yet
    (False while django-otp's throttling makes a wrong code's next try wait)."""
    code = code.replace(" ", "").replace("-", "")
    device: TOTPDevice | StaticDevice | None
    with transaction.atomic():
        if code.isdigit():
            device = (
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            )
            token = code
        else:
            device = StaticDevice.objects.select_for_update().filter(user=user).first()
            token = _digest(code)
        if device is None:
            return None, True
        allowed = device.verify_is_allowed()[0]
        # A wrong code's throttling is saved: nothing here raises inside the transaction.
        if allowed and device.verify_token(token):
            return device, True
    return None, allowed


# --- Resetting -----------------------------------------------------------------------------


def two_factor_reset(*, request: HttpRequest, users) -> int:
    """Remove the two-factor of each of `users` (an admin's action); return how many had it.
    They sign in with their password alone until they set it up again (or are sent to)."""
    count = 0
    with transaction.atomic():
        for user in users:
            deleted, _ = TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
            if deleted:
                count += 1
                log_security_event(request, "two_factor_reset", account=user.pk)
                audit_access(
                    action=AccessEvent.Action.TWO_FACTOR_RESET,
                    actor=request.user if isinstance(request.user, User) else None,
                    subject=user,
                )
    return count
