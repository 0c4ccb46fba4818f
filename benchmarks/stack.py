"""
The processes of a production-like deploy on one machine, started and stopped by a benchmark:
nginx in front of two gunicorn app servers (round robin), `manage.py db_worker` (one unless
asked for more), and a slow
local mail server that records every message. benchmarks/two_servers.py drives them.

Every process runs in its own process group (its own session), so that Ctrl+C in the terminal
reaches only the benchmark, which then stops them in order: nginx first (no new requests), then
the app servers (gunicorn finishes the requests it has), then the worker. Stopping sends SIGTERM,
waits a bounded time, and then kills whatever is left of the group, so no gunicorn worker or
nginx worker outlives the run, whether it ends normally, on Ctrl+C or on an error.

Everything nginx writes (its configuration, pid file, logs, temporary files) is in the run's
temporary folder; it listens on a free 127.0.0.1 port and proxies to free 127.0.0.1 ports.
"""

import asyncio
import contextlib
import email
import http.client
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller

from benchmarks.answering import PYTHON, ROOT, free_port

BIN = Path(PYTHON).parent
# Each nginx access-log line: which app server answered, status, nginx's time and the app
# server's time (seconds), method and path.
LOG_FORMAT = '$upstream_addr $status $request_time $upstream_response_time "$request_method $uri"'

NOTABLE_RE = re.compile(r"WORKER TIMEOUT|Traceback|ERROR|CRITICAL|Exception")

NGINX_CONF = """\
worker_processes 1;
worker_rlimit_nofile 8192;
pid {work}/nginx.pid;
error_log {work}/error.log warn;

events {{
    worker_connections 4096;
}}

http {{
    log_format bench '{log_format}';
    access_log {work}/access.log bench;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;

    # Round robin (nginx's default) over the two app servers.
    upstream app {{
{servers}
    }}

    server {{
        listen 127.0.0.1:{port};
        # A 500-line CSV is about 25 KB and the app refuses files over 100 KB with its own
        # message; 1 MB lets that message, not nginx's 413, answer a file that is too big.
        client_max_body_size 1m;
        location / {{
            proxy_pass http://app;
            # The port as well as the host: Django compares a POST's Origin with it.
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # Longer than gunicorn's own timeout (60 s), so that a request gunicorn kills shows
            # as what it is rather than as nginx giving up first.
            proxy_read_timeout 120s;
            # Each request is answered by the server it was sent to: a retry on the other one
            # would hide a failure from the figures.
            proxy_next_upstream off;
            # Which server answered, for the benchmark's client (the access log says it too).
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    """nginx from Debian's package, installed with apt-get if it is missing (as root)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("nginx is not installed: run `apt-get install nginx` as root.")
    print("Installing nginx (Debian's package) ...", flush=True)
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=apt_env, check=True, timeout=600)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nginx"],
        env=apt_env,
        check=True,
        timeout=600,
    )
    return shutil.which("nginx") or "/usr/sbin/nginx"


def start_group(command: list, *, env: dict, log: Path) -> subprocess.Popen:
    """Start `command` in a process group of its own, its output in `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(part) for part in command],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def stop_group(process: subprocess.Popen, *, sig: int = signal.SIGTERM, wait: float = 30) -> None:
    """Ask the process to stop, wait at most `wait` seconds, then kill what is left of its group."""
    if process.poll() is None:
        process.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # its children (gunicorn or nginx workers)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def wait_for_health(
    port: int, *, process: subprocess.Popen, log: Path | None = None, seconds: float = 60
):
    """Wait until /healthz on `port` answers 200, at most `seconds`; fail if the process ends.
    `log`, if the process writes one, is quoted when it fails."""

    def tail() -> str:
        return log.read_text()[-3000:] if log else "(its output is above)"

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args[0]} stopped:\n{tail()}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise SystemExit(f"Nothing answered /healthz on port {port}:\n{tail()}")


@dataclass
class AppServer:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass
class Stack:
    """
    nginx, two app servers and the task worker(s), with `env` (settings, database, Redis, mail) for all
    three kinds. Use as a context manager: everything is stopped on the way out.
    """

    work: Path
    env: dict[str, str]
    workers_per_server: int
    task_workers: int = 1
    servers: list[AppServer] = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    task_worker_processes: list[subprocess.Popen] = field(default_factory=list)
    nginx_port: int = 0
    log_offsets: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    @property
    def access_log(self) -> Path:
        return self.work / "access.log"

    def __enter__(self) -> "Stack":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        self.nginx_port = free_port()
        self.env = {**self.env, "SITE_URL": self.url}
        for name in ("A", "B"):
            port, log = free_port(), self.work / f"gunicorn-{name}.log"
            process = start_group(
                [BIN / "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile=/dev/null"],
                env={
                    **self.env,
                    "GUNICORN_BIND": f"127.0.0.1:{port}",
                    "WEB_CONCURRENCY": str(self.workers_per_server),
                    "GUNICORN_LOG_LEVEL": "warning",
                },
                log=log,
            )
            self.servers.append(AppServer(name, port, process, log))
        for server in self.servers:
            wait_for_health(server.port, process=server.process, log=server.log)

        worker_log = self.work / "db_worker.log"
        for _ in range(self.task_workers):
            self.task_worker_processes.append(
                start_group(
                    [PYTHON, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"],
                    env=self.env,
                    log=worker_log,
                )
            )

        nginx_dir = self.work
        # nginx's workers run as an unprivileged user when started as root: they must be able
        # to reach their temporary folders (nginx creates and hands them over itself).
        nginx_dir.chmod(0o755)
        upstreams = "\n".join(f"        server {s.address};" for s in self.servers)
        conf = nginx_dir / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                work=nginx_dir, log_format=LOG_FORMAT, servers=upstreams, port=self.nginx_port
            )
        )
        nginx_log = nginx_dir / "nginx.out"
        self.nginx = start_group(
            [
                *(nginx_binary(), "-p", nginx_dir, "-e", nginx_dir / "error.log", "-c", conf),
                *("-g", "daemon off;"),
            ],
            env=self.env,
            log=nginx_log,
        )
        wait_for_health(self.nginx_port, process=self.nginx, log=nginx_dir / "error.log")
        if any(worker.poll() is not None for worker in self.task_worker_processes):
            raise SystemExit(f"db_worker stopped:\n{worker_log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.nginx is not None:
            stop_group(self.nginx, wait=10)
        for server in self.servers:
            server.process.send_signal(signal.SIGTERM)  # both finish their requests at once
        for server in self.servers:
            stop_group(server.process, wait=40)
        for worker in self.task_worker_processes:
            worker.send_signal(signal.SIGTERM)
        for worker in self.task_worker_processes:
            stop_group(worker, wait=20)

    def wait_until_idle(self, seconds: float) -> float:
        """
        Wait (at most `seconds` in all) until each app server answers /healthz, and return how
        long that took. gunicorn still works through requests whose client has gone (nginx
        gave up on them): a new request is answered only once those queued before it are.
        """
        started = time.monotonic()
        for server in self.servers:
            left = max(1.0, seconds - (time.monotonic() - started))
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=left)
            try:
                conn.request("GET", "/healthz")
                conn.getresponse().read()
            except OSError:
                pass  # still busy after all that time: the figures that follow will say so
            finally:
                conn.close()
        return time.monotonic() - started

    def log_news(self) -> list[str]:
        """Lines of the servers' and the worker's logs, since the last call, that report a
        problem (a worker gunicorn killed, a traceback, an error)."""
        news = []
        logs = [(s.name, s.log) for s in self.servers] + [("worker", self.work / "db_worker.log")]
        for name, log in logs:
            if not log.exists():
                continue
            with log.open(errors="replace") as text:
                text.seek(self.log_offsets.get(name, 0))
                lines = text.readlines()
                self.log_offsets[name] = text.tell()
            notable = [line.strip() for line in lines if NOTABLE_RE.search(line)]
            if notable:
                news.append(f"{name}: {len(notable)} lines like {notable[0][:160]!r}")
        return news

    def server_for(self, address: str) -> str:
        """The name (A or B) of the app server at `address` (host:port), or the address."""
        return next((s.name for s in self.servers if s.address == address), address)


@dataclass
class Message:
    received: float  # time.monotonic()
    recipients: list[str]
    subject: str


class SlowMailServer:
    """
    An SMTP server on a free 127.0.0.1 port that takes `delay` seconds to accept each message
    (as a slow or busy relay does) and records every message's envelope recipients. Several
    connections are served at once, each message taking `delay`.
    """

    def __init__(self, delay: float):
        self.delay = delay
        self.messages: list[Message] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.messages.append(
                Message(
                    time.monotonic(),
                    [address.lower() for address in envelope.rcpt_tos],
                    str(message.get("Subject", "")),
                )
            )
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def __enter__(self) -> "SlowMailServer":
        self.controller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.controller.stop()
