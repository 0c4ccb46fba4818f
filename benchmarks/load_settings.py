"""
benchmarks.settings for the load script: static files collected and served by whitenoise as in
production (compressed manifest storage, from the STATIC_ROOT the script collects into), and a
fast password hasher so that creating and signing in hundreds of test accounts measures the
service rather than PBKDF2. Only benchmarks/load.py uses it.
"""

import os

from benchmarks.settings import *  # noqa: F403

STATIC_ROOT = os.environ["LOAD_STATIC_ROOT"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
