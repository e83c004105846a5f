"""A small Baton cluster on this machine, for the multi-instance tests and the benchmark.

`Cluster` starts N gunicorn web instances, M Celery workers and (optionally) an nginx in front of the web
instances, and stops every one of them by its process id. Each process gets its own scratch directory as its
working directory, BATON_VAR_DIR and PRIVATE_STORAGE_ROOT, so nothing is shared on disk: the instances share only
what a real deployment shares, from the environment passed in (DATABASE_URL, REDIS_URL, CACHE_URL, S3_*).

Every process runs with DEBUG=0 (one SECRET_KEY for all, so a session or a signed value made by one instance is
valid on the others). The static files are collected once into a temporary STATIC_ROOT (`collectstatic`), which
the manifest storage of DEBUG=0 needs for `{% static %}`.

nginx appends the client's address to X-Forwarded-For and the web instances are told to trust one proxy
(BATON_TRUSTED_PROXY_COUNT=1). It runs in the foreground (`daemon off`) as a child of this process.

`Browser` is a minimal HTTP client for these servers: a cookie jar that ignores the Secure flag (DEBUG=0 marks
the session and CSRF cookies Secure, and the cluster speaks plain HTTP on loopback), the CSRF token read from
the form, and multipart uploads. Nothing in production imports this module.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


# --- processes ------------------------------------------------------------------------------------------------


def child_pids(pid: int) -> list[int]:
    """The direct children of `pid`, read from /proc."""
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            children.append(int(entry))
    return sorted(children)


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (the peak since start or since `reset_peak`) of a process, in KiB."""
    found = {}
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            key = line.split(":", 1)[0]
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(line.split()[1])
    return found


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux: writing 5 to clear_refs). False where that is not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


class Managed:
    """One server process in a session of its own, so stopping it stops its children (pool, workers) too."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], workdir: Path):
        self.name, self.argv, self.env, self.workdir = name, argv, env, workdir
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Managed:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own servers, loopback only, stopped by PID
                self.argv, cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (the server and its children) and wait for the server to go."""
        if self.alive:
            self._signal_group(sig)
            self.process.wait(timeout=30)

    def stop(self, timeout: float = 20) -> None:
        if self.process is None:
            return
        if self.alive:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait(timeout=30)
        # Children the server did not reap in time (a pool child, a gunicorn worker) go with the group.
        self._signal_group(signal.SIGKILL)

    def log(self, lines: int | None = None) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) if lines else text


def _get(port: int, path: str, timeout: float = 3) -> int:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": LOOPBACK})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def wait_http(server: Managed, port: int, timeout: float) -> str:
    """Wait until the server answers 200 on /health/live/ (when the app has it) or else on the login page;
    returns the path that answered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive:
            raise RuntimeError(f"{server.name} exited early:\n{server.log(40)}")
        try:
            if _get(port, "/health/live/") == 200:
                return "/health/live/"
            if _get(port, "/accounts/login/") == 200:
                return "/accounts/login/"
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer within {timeout:.0f} s:\n{server.log(40)}")


class WebInstance(Managed):
    def __init__(self, name, env, workdir, *, port: int, workers: int, threads: int, worker_class: str,
                 timeout: int = 120):
        argv = [GUNICORN, "procurement.wsgi", "-b", f"{LOOPBACK}:{port}", "-w", str(workers), "-k", worker_class,
                "--timeout", str(timeout), "--log-level", "warning", "--no-control-socket"]
        if worker_class == "gthread":
            argv += ["--threads", str(threads)]
        super().__init__(name, argv, env, workdir)
        self.port = port
        self.url = f"http://{LOOPBACK}:{port}"

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (the processes that run Django) under this instance's master."""
        return child_pids(self.pid)

    def wait_ready(self, timeout: float = 90) -> None:
        wait_http(self, self.port, timeout)
        deadline = time.monotonic() + timeout
        while not self.worker_pids() and time.monotonic() < deadline:
            time.sleep(0.1)


class CeleryWorker(Managed):
    def __init__(self, name, env, workdir, *, node: str, concurrency: int = 1, loglevel: str = "INFO"):
        argv = [PY, "-m", "celery", "-A", "procurement", "worker", "--pool=prefork", f"--concurrency={concurrency}",
                f"--loglevel={loglevel}", "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", node]
        super().__init__(name, argv, env, workdir)
        self.node = node

    def wait_ready(self, broker_url: str, timeout: float = 90) -> None:
        from celery import Celery

        deadline = time.monotonic() + timeout
        with Celery(broker=broker_url, set_as_current=False) as app:
            while time.monotonic() < deadline:
                if not self.alive:
                    raise RuntimeError(f"{self.name} exited early:\n{self.log(40)}")
                if app.control.ping(destination=[self.node], timeout=1.0):
                    return
        raise RuntimeError(f"{self.name} ({self.node}) did not answer a ping within {timeout:.0f} s:\n{self.log(40)}")

    def pool_pids(self) -> list[int]:
        return child_pids(self.pid)


NGINX_CONF = """\
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
    access_log {access_log};
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    client_max_body_size {max_body};
    upstream baton {{
{servers}
        keepalive 32;
    }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://baton;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 120s;
            proxy_send_timeout 120s;
        }}
    }}
}}
"""


class Nginx(Managed):
    """nginx in the foreground. Its directory is made with mkdtemp (not under a 0700 pytest folder): when run as
    root nginx's worker drops to `nobody`, which must reach the temporary-body folders."""

    def __init__(self, upstreams: list[int], *, port: int, access_log: bool = True, max_body: str = "64m"):
        workdir = Path(tempfile.mkdtemp(prefix="baton-nginx-"))
        as_root = os.geteuid() == 0
        if as_root:  # the `nobody` worker may pass through (not list) the folder to its own temporary folders
            os.chmod(workdir, 0o711)  # noqa: S103 - traverse only, no read or write for others
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (workdir / "tmp" / sub).mkdir(parents=True)
            if as_root:
                shutil.chown(workdir / "tmp" / sub, user="nobody")
        if as_root:
            os.chmod(workdir / "tmp", 0o711)  # noqa: S103 - as above
        conf = workdir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(
            dir=workdir, host=LOOPBACK, port=port, max_body=max_body,
            access_log=f"{workdir}/access.log" if access_log else "off",
            user="user nobody nogroup;" if as_root else "",
            servers="\n".join(f"        server {LOOPBACK}:{p} max_fails=0;" for p in upstreams)))
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        argv = [binary, "-p", str(workdir), "-e", str(workdir / "error.log"), "-c", str(conf), "-g", "daemon off;"]
        super().__init__("nginx", argv, dict(os.environ), workdir)
        self.port = port
        self.url = f"http://{LOOPBACK}:{port}"

    def stop(self, timeout: float = 20) -> None:
        super().stop(timeout)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log(self, lines: int | None = None) -> str:
        try:
            text = (self.workdir / "error.log").read_text(errors="replace")
        except OSError:
            text = ""
        return "\n".join(text.splitlines()[-(lines or 0):]) + "\n" + super().log(lines)


# --- static files ---------------------------------------------------------------------------------------------


def production_env(env: dict[str, str], *, secret_key: str, static_root: Path | None = None) -> dict[str, str]:
    """`env` with the settings of a DEBUG=0 deployment on plain HTTP on loopback."""
    out = {k: v for k, v in env.items() if k not in ("BATON_TESTING", "PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER")}
    out.update(DEBUG="0", SECRET_KEY=secret_key, ALLOWED_HOSTS=f"{LOOPBACK},localhost,testserver",
               SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0", DJANGO_SETTINGS_MODULE="procurement.settings",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
               PYTHONDONTWRITEBYTECODE="1")
    if static_root is not None:
        out["STATIC_ROOT"] = str(static_root)
    return out


def collectstatic(env: dict[str, str], static_root: Path) -> Path:
    """Collect the static files once for DEBUG=0 (the manifest storage needs staticfiles.json) into
    `static_root`, passed as STATIC_ROOT. Returns the folder that holds the manifest: `static_root`, or the
    settings' own STATIC_ROOT (the repository's staticfiles/) while the settings do not read STATIC_ROOT from
    the environment."""
    static_root.mkdir(parents=True, exist_ok=True)
    run_env = {**env, "STATIC_ROOT": str(static_root)}
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=run_env,  # noqa: S603
                   check=True)
    if (static_root / "staticfiles.json").exists():
        return static_root
    return ROOT / "staticfiles"


# --- the cluster ----------------------------------------------------------------------------------------------


class Cluster:
    """N web instances, M workers and nginx; `with Cluster(env, ...) as cluster:` stops everything on exit."""

    def __init__(self, env: dict[str, str], *, web: int = 2, workers: int = 2, proxy: bool = True,
                 gunicorn_workers: int = 1, threads: int = 4, worker_class: str = "gthread", concurrency: int = 1,
                 web_env: dict[str, str] | None = None, worker_env: dict[str, str] | None = None,
                 base_dir: Path | None = None, static_root: Path | None = None, access_log: bool = True,
                 ready_timeout: float = 120):
        self.token = uuid.uuid4().hex[:8]
        self.own_base_dir = base_dir is None  # removed on stop; a folder passed in is kept (its logs)
        self.base_dir = Path(base_dir or tempfile.mkdtemp(prefix=f"baton-cluster-{self.token}-"))
        # The caller's SECRET_KEY when it has one, so sessions it made itself (the benchmark's) are valid.
        self.secret_key = env.get("SECRET_KEY") or "cluster-" + secrets.token_urlsafe(40)
        self.common = production_env(env, secret_key=self.secret_key)
        self.n_web, self.n_workers, self.proxy = web, workers, proxy
        self.gunicorn_workers, self.threads, self.worker_class = gunicorn_workers, threads, worker_class
        self.concurrency = concurrency
        self.web_env, self.worker_env = dict(web_env or {}), dict(worker_env or {})
        self.static_root = static_root
        self.access_log = access_log
        self.ready_timeout = ready_timeout
        self.webs: list[WebInstance] = []
        self.workers: list[CeleryWorker] = []
        self.nginx: Nginx | None = None

    # Where requests go: nginx when there is one, else the first web instance.
    @property
    def url(self) -> str:
        return self.nginx.url if self.nginx else self.webs[0].url

    @property
    def broker_url(self) -> str:
        return self.common.get("REDIS_URL", "")

    def _own_dirs(self, name: str) -> tuple[Path, dict[str, str]]:
        workdir = self.base_dir / name
        (workdir / "var").mkdir(parents=True, exist_ok=True)
        (workdir / "private").mkdir(parents=True, exist_ok=True)
        return workdir, {"BATON_VAR_DIR": str(workdir / "var"), "PRIVATE_STORAGE_ROOT": str(workdir / "private")}

    def start(self) -> Cluster:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        if self.static_root is None:
            self.static_root = collectstatic(self.common, self.base_dir / "static")
        self.common["STATIC_ROOT"] = str(self.static_root)
        proxies = "1" if self.proxy else "0"
        for index in range(self.n_web):
            name = f"web{index + 1}"
            workdir, own = self._own_dirs(name)
            env = {**self.common, **own, "BATON_TRUSTED_PROXY_COUNT": proxies, **self.web_env}
            self.webs.append(WebInstance(name, env, workdir, port=free_port(), workers=self.gunicorn_workers,
                                         threads=self.threads, worker_class=self.worker_class).start())
        for index in range(self.n_workers):
            name = f"worker{index + 1}"
            workdir, own = self._own_dirs(name)
            env = {**self.common, **own, **self.worker_env}
            node = f"{name}-{self.token}@{socket.gethostname()}"
            self.workers.append(CeleryWorker(name, env, workdir, node=node, concurrency=self.concurrency).start())
        for web in self.webs:
            web.wait_ready(self.ready_timeout)
        for worker in self.workers:
            worker.wait_ready(self.broker_url, self.ready_timeout)
        if self.proxy and self.webs:
            self.nginx = Nginx([w.port for w in self.webs], port=free_port(), access_log=self.access_log).start()
            wait_http(self.nginx, self.nginx.port, self.ready_timeout)

    def stop(self) -> None:
        for server in [self.nginx, *self.workers, *self.webs]:
            if server is not None:
                with contextlib.suppress(Exception):
                    server.stop()
        if self.own_base_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def pids(self) -> list[int]:
        return [s.pid for s in [self.nginx, *self.workers, *self.webs] if s is not None and s.process is not None]

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- a small HTTP client ------------------------------------------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Response:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


class Browser:
    """Cookies shared across every server it talks to (one site behind several addresses), CSRF tokens read from
    the forms, and nothing else: no redirects followed, so a test sees each 302.

    `direct` maps the base URL of a web instance reached without nginx to the client address to send in
    X-Forwarded-For, standing in for the header nginx would have added (the instances trust one proxy)."""

    def __init__(self, direct: dict[str, str] | None = None):
        self.cookies: dict[str, str] = {}
        self.direct = dict(direct or {})

    def request(self, base: str, method: str, path: str, *, body: bytes | None = None,
                headers: dict[str, str] | None = None, timeout: float = 120) -> Response:
        parts = urlsplit(base)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        sent = {"Host": parts.hostname, **(headers or {})}
        if base in self.direct:
            sent["X-Forwarded-For"] = self.direct[base]
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            raw = conn.getresponse()
            data = raw.read()
            headers_out = raw.getheaders()
        finally:
            conn.close()
        for name, value in headers_out:
            if name.lower() == "set-cookie":
                for key, morsel in SimpleCookie(value).items():
                    if morsel["max-age"] == "0" or (morsel.value == "" and morsel["expires"]):
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = morsel.value
        return Response(raw.status, headers_out, data)

    def get(self, base: str, path: str, **kwargs) -> Response:
        return self.request(base, "GET", path, **kwargs)

    def csrf_from(self, response: Response) -> str:
        found = CSRF_INPUT.search(response.text)
        if not found:
            raise AssertionError(f"no CSRF token in the page (status {response.status}):\n{response.text[:500]}")
        return found.group(1)

    def post_form(self, base: str, path: str, fields: dict[str, str], *, csrf_page: str | None = None,
                  files: dict[str, tuple[str, bytes, str]] | None = None) -> Response:
        """POST `fields` (and `files`: name -> (filename, bytes, content type)) with the CSRF token of the form
        at `csrf_page` (default: `path` itself), read with a GET first."""
        page = self.get(base, csrf_page or path)
        fields = {"csrfmiddlewaretoken": self.csrf_from(page), **fields}
        headers = {"Referer": f"{base}{path}"}
        if files:
            boundary = "----baton" + secrets.token_hex(12)
            chunks = []
            for name, value in fields.items():
                chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                              .encode())
            for name, (filename, content, content_type) in files.items():
                chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                              f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode())
                chunks.append(content)
                chunks.append(b"\r\n")
            chunks.append(f"--{boundary}--\r\n".encode())
            body = b"".join(chunks)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self.request(base, "POST", path, body=body, headers=headers)

    def sign_in(self, base: str, username: str, password: str) -> Response:
        """The real sign-in form; raises unless it redirects (a refused sign-in answers 200 with the form)."""
        response = self.post_form(base, "/accounts/login/", {"username": username, "password": password})
        if response.status != 302:
            raise AssertionError(f"sign-in of {username} answered {response.status}:\n{response.text[:800]}")
        return response
