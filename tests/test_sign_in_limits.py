"""
Sign-in limits behind the documented proxy, and per account (issue #10, item 1).

The proxy tests serve through Django's live server, a real HTTP server on a loopback port, with
the settings that the settings module builds from `AXES_IPWARE_PROXY_COUNT=1`: the test plays
the one proxy, which tells the app each client's address in `X-Forwarded-For`.
"""

import json
import os
import subprocess
import sys

import pytest
import requests
from django.conf import settings as django_settings
from django.urls import reverse

from tests.builders import PASSWORD

CLIENT_A = "203.0.113.5"
CLIENT_B = "198.51.100.7"
PROXY_SETTINGS = ("AXES_IPWARE_PROXY_COUNT", "AXES_IPWARE_META_PRECEDENCE_ORDER", "IPWARE_STRICT")


def _settings_built_from(**environ) -> dict:
    """The proxy settings as the settings module builds them from `environ` in a fresh process."""
    env = {k: v for k, v in os.environ.items() if k not in environ}
    env.update(SECRET_KEY="x", DJANGO_SETTINGS_MODULE="innovation_checklist.settings", **environ)
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {PROXY_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def behind_one_proxy(settings):
    """The app configured as the README says for one proxy in front, with plain-HTTP cookies
    (the live server speaks HTTP, and a Secure cookie would never be sent back)."""
    for name, value in _settings_built_from(AXES_IPWARE_PROXY_COUNT="1").items():
        setattr(settings, name, value)
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME = "sessionid", "csrftoken"
    return settings


def _sign_in_through(server_url: str, *, client_ip: str, email: str, password: str):
    """One browser's sign-in through the proxy: fetch the form, then post it."""
    url = server_url + reverse("assessments:sign_in")
    browser = requests.Session()
    # What the proxy adds: the client's address, and that the client spoke HTTPS to it (so the
    # CSRF check wants an HTTPS Referer from this site, as a browser sends one).
    browser.headers.update(
        {
            "X-Forwarded-For": client_ip,
            "X-Forwarded-Proto": "https",
            "Referer": url.replace("http://", "https://"),
        }
    )
    browser.get(url, timeout=30).raise_for_status()
    return browser.post(
        url,
        data={
            "email": email,
            "password": password,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=30,
    )


def test_the_proxy_count_reads_the_client_from_the_last_entry_the_proxy_added():
    values = _settings_built_from(AXES_IPWARE_PROXY_COUNT="1")
    # django-ipware counts the proxies listed in the header; the nearest one is REMOTE_ADDR.
    assert values == {
        "AXES_IPWARE_PROXY_COUNT": 0,
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
        "IPWARE_STRICT": False,
    }
    assert _settings_built_from(AXES_IPWARE_PROXY_COUNT="2")["AXES_IPWARE_PROXY_COUNT"] == 1


def test_one_clients_failures_behind_the_proxy_never_lock_out_another_client(
    transactional_db, behind_one_proxy, live_server, councillor, second_councillor
):
    for _ in range(behind_one_proxy.AXES_FAILURE_LIMIT):
        response = _sign_in_through(
            live_server.url, client_ip=CLIENT_A, email=councillor.email, password="wrong guess"
        )
    assert response.status_code == 429
    # Client A itself is locked out, even for another account with the right password.
    response = _sign_in_through(
        live_server.url, client_ip=CLIENT_A, email=second_councillor.email, password=PASSWORD
    )
    assert response.status_code == 429
    # Client B, through the same proxy, signs in.
    response = _sign_in_through(
        live_server.url, client_ip=CLIENT_B, email=second_councillor.email, password=PASSWORD
    )
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("assessments:dashboard")


def test_addresses_a_client_puts_in_front_of_the_proxys_entry_are_ignored(
    transactional_db, behind_one_proxy, live_server, councillor, second_councillor
):
    # The proxy appends the address it was connected from; whatever came before is the client's.
    for n in range(behind_one_proxy.AXES_FAILURE_LIMIT):
        _sign_in_through(
            live_server.url,
            client_ip=f"192.0.2.{n}, {CLIENT_A}",
            email=councillor.email,
            password="wrong guess",
        )
    response = _sign_in_through(
        live_server.url, client_ip=CLIENT_A, email=second_councillor.email, password=PASSWORD
    )
    assert response.status_code == 429


def test_django_takes_the_proxys_word_that_the_request_came_over_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    url = reverse("assessments:start")
    assert client.get(url).status_code == 301
    assert client.get(url, headers={"X-Forwarded-Proto": "https"}).status_code == 200
