"""
gunicorn settings for production: `gunicorn -c gunicorn.conf.py`.

Each value can be overridden by the environment, so one file serves a laptop, a container and
a virtual machine. gunicorn reads this file itself; it is not imported by Django.
"""

import os

from innovation_checklist import logs

# WSGI application, so the command line needs nothing but `-c gunicorn.conf.py`.
wsgi_app = "innovation_checklist.wsgi:application"

# A platform that sets PORT (containers, PaaS) wants us on every interface; otherwise stay on
# the loopback behind a reverse proxy. GUNICORN_BIND wins over both.
if os.environ.get("GUNICORN_BIND"):
    bind = os.environ["GUNICORN_BIND"]
elif os.environ.get("PORT"):
    bind = f"0.0.0.0:{os.environ['PORT']}"
else:
    bind = "127.0.0.1:8000"


def _cores() -> int:
    # The CPUs this process may run on (a container's limit), not the host's count.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# Sync workers: the work is short database requests and CPU-bound PDF rendering, so the usual
# 2 × cores + 1. Capped at 9 because each worker holds WeasyPrint and its fonts (about
# 100-150 MB once it has rendered a PDF); beyond that add app servers, not workers.
# WEB_CONCURRENCY is the conventional override.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * _cores() + 1, 9)))

# The slowest request is a group report PDF (a few seconds on a small machine); a worker stuck
# for a minute is broken, and gunicorn replaces it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5

# Recycle each worker after about a thousand requests, staggered so they do not all restart
# together, to bound any slow growth in memory (WeasyPrint caches, fragmentation).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10

# Logs to standard output and error, where containers and systemd collect them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# In the same form as the app's own lines (innovation_checklist/logs.py): one JSON object each
# unless LOG_FORMAT=text, and without the tokens of invitation and password-reset links, which
# the access log would otherwise write out with every path.
logconfig_dict = logs.gunicorn_logging(os.environ.get("LOG_FORMAT", "json"))

# The heartbeat file on tmpfs: a disk-backed /tmp in a container can stall workers.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
