"""
Signing in with a council's own account (OpenID Connect: Microsoft Entra ID, or any standard
provider), set up per council in admin (`CouncilSignIn`).

Authlib does the protocol: the authorization-code flow with `state`, `nonce` and PKCE (S256), kept
in the session and used once; the token exchange; and the ID token's signature (the provider's
JWKS), `iss` (the issuer the council set), `aud` (its client id), `exp` and `nonce`. This module
adds the rules of the service, which Authlib cannot know:

- The provider's discovery document must name the issuer the council set (a look-alike host or
  another tenant is refused before anyone is sent there).
- No account is ever made from a token. The person must already have one in that council: an
  active account, or an invitation still open (signing in this way accepts it).
- The account is found by the provider's stable subject (`iss` + `sub`, `SignInIdentity`); only
  the first time, by the token's email address, and only if the provider says it is verified
  (`email_verified`, or Entra ID's `xms_edov`). An account already linked to another subject is
  refused.
- The token's email address must be in one of the council's allowed domains.
- A deactivated account (inactive, no open invitation) is refused.

Every refusal is an `SsoRefused` with a reason code for the security log and a plain message for
the person; a provider that cannot be reached is `SsoUnavailable`.
"""

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from joserfc.errors import JoseError

from assessments.access_log import audit_access
from assessments.models import AccessEvent, CouncilSignIn, Invitation, SignInIdentity, User

SCOPE = "openid email profile"
SESSION_COUNCIL_KEY = "sso_council"
# Set in the session of someone signed in through their council's provider (for two-factor:
# their council already checked them).
SESSION_SIGNED_IN_WITH_KEY = "signed_in_with"
SIGNED_IN_WITH_COUNCIL = "council"


class SsoProblem(Exception):
    """A council sign-in that did not happen: `message` is for the person, `reason` for the log."""

    reason = "problem"
    message = _("Sign in with your email address and password instead.")

    def __init__(self, reason: str | None = None):
        super().__init__(reason or self.reason)
        if reason:
            self.reason = reason


class SsoUnavailable(SsoProblem):
    reason = "provider_unavailable"
    message = _(
        "Your council’s sign-in is not working at the moment. Sign in with your email address "
        "and password instead."
    )


class SsoRefused(SsoProblem):
    reason = "refused"
    message = _(
        "We could not sign you in with your council account. Sign in with your email address "
        "and password instead, or ask your council’s officers to check your account."
    )


class NoAccount(SsoRefused):
    reason = "no_account"
    message = _(
        "There is no account for you in this service. Accounts are by invitation: ask your "
        "council’s member support or democratic services officers to invite you."
    )


class AccountDeactivated(SsoRefused):
    reason = "account_inactive"
    message = _(
        "Your account has been switched off. Ask your council’s officers if you need it again."
    )


@dataclass(frozen=True)
class SignedIn:
    user: User
    council_slug: str
    linked_now: bool


def sign_in_for_email(email: str) -> CouncilSignIn | None:
    """The council sign-in that an email address belongs to, if one is on."""
    domain = email.strip().lower().rpartition("@")[2]
    if not domain:
        return None
    for sign_in in CouncilSignIn.objects.filter(enabled=True).select_related("council"):
        if domain in sign_in.email_domains:
            return sign_in
    return None


def provider_origins() -> list[str]:
    """
    The origins of the sign-in pages of the councils' providers that are on: the page with the
    email form may send its form there (the Content-Security-Policy's `form-action` covers the
    redirect after a form, too). That is the issuer's origin (Entra ID's sign-in page is on it),
    and the discovered authorization endpoint's where it is known (cached) and differs.
    """
    origins = set()
    for issuer in CouncilSignIn.objects.filter(enabled=True).values_list("issuer", flat=True):
        metadata = cache.get(_discovery_key(issuer)) or {}
        for url in (issuer, metadata.get("authorization_endpoint")):
            if url:
                parts = urlsplit(url)
                origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def _discovery_key(issuer: str) -> str:
    return f"oidc-discovery:{issuer.rstrip('/')}"


def discover(sign_in: CouncilSignIn) -> dict:
    """
    The issuer's discovery document and signing keys, cached for OIDC_DISCOVERY_CACHE_SECONDS.
    Refused unless the document names the issuer the council set (OpenID Connect Discovery 4.3).
    """
    issuer = sign_in.issuer.rstrip("/")
    key = _discovery_key(issuer)
    metadata = cache.get(key)
    if metadata is None:
        try:
            response = requests.get(
                f"{issuer}/.well-known/openid-configuration",
                timeout=settings.OIDC_TIMEOUT_SECONDS,
            )
            response.raise_for_status()
            metadata = response.json()
            keys = requests.get(metadata["jwks_uri"], timeout=settings.OIDC_TIMEOUT_SECONDS)
            keys.raise_for_status()
            metadata["jwks"] = keys.json()
        except (requests.RequestException, ValueError, KeyError, TypeError) as problem:
            raise SsoUnavailable() from problem
        if str(metadata.get("issuer", "")).rstrip("/") != issuer:
            raise SsoRefused("discovery_issuer_mismatch")
        cache.set(key, metadata, settings.OIDC_DISCOVERY_CACHE_SECONDS)
    return metadata


def _client(sign_in: CouncilSignIn) -> DjangoOAuth2App:
    metadata = discover(sign_in)
    oauth = OAuth()
    return oauth.register(
        name=sign_in.council.slug,
        client_id=sign_in.client_id,
        client_secret=settings.OIDC_CLIENT_SECRETS.get(sign_in.council.slug),
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "default_timeout": settings.OIDC_TIMEOUT_SECONDS,
        },
        # Already discovered and cached: Authlib reads endpoints and keys from here (and fetches
        # the keys again only for a key id it does not know, as when a provider rotates them).
        _loaded_at=time.time(),
        **metadata,
    )


def sign_in_start(*, request, sign_in: CouncilSignIn, email: str, redirect_uri: str):
    """The redirect to the council's provider (state, nonce and PKCE verifier in the session)."""
    client = _client(sign_in)
    request.session[SESSION_COUNCIL_KEY] = sign_in.pk
    return client.authorize_redirect(request, redirect_uri, login_hint=email)


def sign_in_finish(*, request) -> SignedIn:
    """Check the provider's answer and return the account it signs in; raise an SsoProblem."""
    sign_in_pk = request.session.pop(SESSION_COUNCIL_KEY, None)
    if sign_in_pk is None or "state" not in request.GET:
        raise SsoRefused("no_sign_in_started")
    sign_in = (
        CouncilSignIn.objects.filter(pk=sign_in_pk, enabled=True).select_related("council").first()
    )
    if sign_in is None:
        raise SsoRefused("council_sign_in_off")
    client = _client(sign_in)
    try:
        token = client.authorize_access_token(request, leeway=settings.OIDC_LEEWAY_SECONDS)
    except requests.RequestException as problem:
        raise SsoUnavailable() from problem
    except (OAuthError, JoseError, KeyError, ValueError) as problem:
        # A reused or unknown state, a provider's error, or an ID token that fails a check.
        raise SsoRefused(f"token_refused:{type(problem).__name__}") from problem
    claims = token.get("userinfo")
    if not claims:  # no ID token (Authlib has already refused one without `sub`)
        raise SsoRefused("no_id_token")
    return _account_for_claims(sign_in=sign_in, issuer=sign_in.issuer.rstrip("/"), claims=claims)


def _email_verified(claims) -> bool:
    # Entra ID sends no `email_verified`; its optional claim `xms_edov` says the same.
    return claims.get("email_verified") is True or claims.get("xms_edov") in (True, 1, "1", "true")


def _account_for_claims(*, sign_in: CouncilSignIn, issuer: str, claims) -> SignedIn:
    email = str(claims.get("email") or "").strip().lower()
    if not email or email.rpartition("@")[2] not in sign_in.email_domains:
        raise SsoRefused("email_domain_not_allowed")
    with transaction.atomic():
        identity = (
            SignInIdentity.objects.select_related("user")
            .select_for_update()
            .filter(issuer=issuer, subject=claims["sub"])
            .first()
        )
        linked_now = identity is None
        if identity is not None:
            user = identity.user
        else:
            if not _email_verified(claims):
                raise SsoRefused("email_not_verified")
            matched = User.objects.select_for_update().filter(email__iexact=email).first()
            if matched is None:
                raise NoAccount()
            user = matched
            if SignInIdentity.objects.filter(user=user).exists():
                raise SsoRefused("account_linked_to_another_subject")
        if user.council_id != sign_in.council_id:
            raise NoAccount("account_in_another_council")
        if not user.is_active:
            _accept_open_invitation(user)
        if identity is None:
            try:
                with transaction.atomic():
                    SignInIdentity.objects.create(user=user, issuer=issuer, subject=claims["sub"])
                    audit_access(
                        action=AccessEvent.Action.SSO_LINKED,
                        actor=user,
                        subject=user,
                        details={"issuer": issuer},
                    )
            except IntegrityError as problem:
                # Two first sign-ins at once (a double-click): the other one linked it.
                raise SsoRefused("linked_concurrently") from problem
    return SignedIn(user=user, council_slug=sign_in.council.slug, linked_now=linked_now)


def _accept_open_invitation(user: User) -> None:
    """An invited person's first sign-in accepts their invitation; without one still open, the
    account has been switched off."""
    now = timezone.now()
    invitation = (
        Invitation.objects.select_for_update()
        .filter(user=user, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if invitation is None:
        raise AccountDeactivated()
    invitation.accepted_at = now
    invitation.save(update_fields=["accepted_at"])
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_access(
        action=AccessEvent.Action.INVITATION_ACCEPTED,
        actor=user,
        subject=user,
        details={
            "invitation": invitation.pk,
            "is_active": {"old": False, "new": True},
            "by": "council sign-in",
        },
    )
