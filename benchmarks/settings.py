"""
The app's own settings, served over plain HTTP on 127.0.0.1 for the benchmark, plus a floor view.

Everything that matters for speed (DEBUG off, so the cached template loader; the real middleware;
the database from DATABASE_URL) is exactly as in production.
"""

import os

os.environ.setdefault("SECRET_KEY", "benchmark-only")

from innovation_checklist.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# No collectstatic for a benchmark; the pages only link to static files.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"handlers": [], "level": "WARNING"},
}
