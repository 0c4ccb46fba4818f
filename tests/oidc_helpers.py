"""
A real OpenID Provider on a loopback port for the council sign-in tests: `oidc-provider-mock`
(Authlib's server side, in a thread), not a mock of our own code. It signs ID tokens with its own
key, publishes discovery and JWKS, checks PKCE, and serves the claims set for a subject with its
`PUT /users/<sub>` API.
"""

from datetime import timedelta
from urllib.parse import urlsplit

import requests
from oidc_provider_mock import run_server_in_thread

from assessments.models import Council, CouncilSignIn

CLIENT_ID = "key-actions-test-client"


class Provider:
    def __init__(self, server):
        self.issuer = f"http://localhost:{server.server_port}"

    def set_user(self, sub: str, **claims) -> None:
        response = requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5)
        response.raise_for_status()

    def approve(self, authorize_url: str, sub: str) -> str:
        """What the person does on the provider's page: sign in as `sub`. Returns the
        redirect back to the service (its callback URL, with code and state)."""
        response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]


def running_provider(**options):
    """A context manager: the provider, until the block ends."""
    return _Running(**options)


class _Running:
    def __init__(self, **options):
        self._server = run_server_in_thread(**options)

    def __enter__(self) -> Provider:
        return Provider(self._server.__enter__())

    def __exit__(self, *exc):
        return self._server.__exit__(*exc)


EXPIRED_TOKENS = {"access_token_max_age": timedelta(minutes=-10)}


def council_sign_in(council: Council, issuer: str, domains: str = "example.org") -> CouncilSignIn:
    return CouncilSignIn.objects.create(
        council=council,
        enabled=True,
        issuer=issuer,
        client_id=CLIENT_ID,
        allowed_email_domains=domains,
    )


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
