"""The deployment files, checked offline in the fast leg: docker-compose.yml, deploy/nginx/baton.conf,
deploy/kubernetes/*.yaml, the gunicorn config and the container health-check script.

  * yamllint (.yamllint) over docker-compose.yml and deploy/;
  * every Kubernetes object through kubernetes-validate's strict schemas for one pinned Kubernetes version
    (the schemas ship inside the package: no cluster, no network);
  * the Compose file through `docker compose config -q` when the compose plugin works on this machine, else
    through a strict JSON schema of the keys Baton uses (tests/deploy/compose_schema.py): the test id says
    which one ran;
  * the properties that matter when something goes wrong in production: health checks, restart policies and
    limits, two web and two worker replicas, probes on URLs Django really serves, migrations before code,
    disruption budgets that select the right pods, and one image and one command line per role in both
    Compose and Kubernetes.
"""

from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
import sys
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from django.urls import resolve
from yamllint import linter
from yamllint.config import YamlLintConfig

from tests.deploy.compose_schema import COMPOSE_SCHEMA

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DEPLOY = ROOT / "deploy"
K8S_DIR = DEPLOY / "kubernetes"
NGINX_CONF = DEPLOY / "nginx" / "baton.conf"
KUBERNETES_VERSION = "1.37.0"  # the newest schema set kubernetes-validate 1.37 ships
LIVE, READY = "/health/live/", "/health/ready/"

# The secrets the stack refuses to start without (docker compose fails on a `${VAR:?}` left unset).
REQUIRED_SECRETS = {"SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "MINIO_ROOT_PASSWORD", "MINIO_APP_SECRET_KEY",
                    "BATON_AUDIT_SIGNING_KEY", "BATON_METRICS_TOKEN"}
SAMPLE_ENV = {name: f"sample-{name.lower().replace('_', '-')}" for name in REQUIRED_SECRETS}


# --- reading the files -------------------------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


class MissingVariable(Exception):
    pass


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's variable substitution: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
    ${VAR?error}."""

    def substitute(match: re.Match) -> str:
        escaped, name, operator, argument, bare = match.groups()
        if escaped:
            return "$"
        name = name or bare
        current = env.get(name)
        if operator in (":-", "-"):
            unset = current is None or (operator == ":-" and current == "")
            return argument if unset else current
        if operator in (":?", "?"):
            if current is None or (operator == ":?" and current == ""):
                raise MissingVariable(f"{name}: {argument}")
            return current
        return current or ""

    return _VARIABLE.sub(substitute, value)


def interpolated(node, env: dict[str, str]):
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [interpolated(item, env) for item in node]
    if isinstance(node, dict):
        return {key: interpolated(value, env) for key, value in node.items()}
    return node


def raw_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def compose(env: dict[str, str] | None = None) -> dict:
    return interpolated(raw_compose(), SAMPLE_ENV if env is None else env)


def services() -> dict[str, dict]:
    return compose()["services"]


def manifests() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(K8S_DIR.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                found.append((path.name, document))
    return found


def objects(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for _, doc in manifests() if doc["kind"] == kind}


def deployment(component: str) -> dict:
    return objects("Deployment")[f"baton-{component}"]


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def main_container(workload: dict) -> dict:
    (container,) = pod_spec(workload)["containers"]
    return container


def is_one_shot(service: dict) -> bool:
    return service.get("restart") == "no"


def replicas(service: dict) -> int:
    return service.get("deploy", {}).get("replicas", 1)


def services_running(program: str, subcommand: str | None = None) -> dict[str, dict]:
    """Compose services whose command starts `program` (and, for celery, runs `subcommand`)."""
    found = {}
    for name, service in services().items():
        command = service.get("command") or []
        if command[:1] == [program] and (subcommand is None or subcommand in command):
            found[name] = service
    return found


def nginx_directives() -> str:
    return "\n".join(line.split("#", 1)[0] for line in NGINX_CONF.read_text().splitlines())


# --- syntax and schemas ------------------------------------------------------------------------------------------


def test_yamllint_passes_on_compose_and_deploy_files():
    config = YamlLintConfig(file=str(ROOT / ".yamllint"))
    files = [COMPOSE_FILE, *sorted(DEPLOY.rglob("*.yaml")), *sorted(DEPLOY.rglob("*.yml"))]
    assert len(files) >= 7
    problems = [f"{path.relative_to(ROOT)}:{problem.line}:{problem.column} {problem.message}"
                for path in files for problem in linter.run(path.read_text(), config, str(path))]
    assert problems == []


@pytest.mark.parametrize(("filename", "document"), manifests(),
                         ids=[f"{name}:{doc['kind']}/{doc['metadata']['name']}" for name, doc in manifests()])
def test_kubernetes_object_is_valid_for_the_pinned_version(filename, document):
    assert kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True) == "1.37"


def test_the_kubernetes_validation_is_strict():
    """A misspelt field is refused, not ignored (what `strict` is for)."""
    web = deployment("web")
    web["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError, match="livenessProbes"):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)


def _compose_plugin_works() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


COMPOSE_CHECK = "docker-compose-config" if _compose_plugin_works() else "compose-json-schema"


@pytest.mark.parametrize("checker", [COMPOSE_CHECK])
def test_compose_file_is_valid(checker):
    if checker == "docker-compose-config":
        result = subprocess.run(["docker", "compose", "-f", str(COMPOSE_FILE), "config", "-q"],
                                capture_output=True, text=True, cwd=ROOT, timeout=60,
                                env={"PATH": os.environ["PATH"], **SAMPLE_ENV})
        assert result.returncode == 0, result.stderr
    else:
        jsonschema.Draft202012Validator.check_schema(COMPOSE_SCHEMA)
        jsonschema.Draft202012Validator(COMPOSE_SCHEMA).validate(compose())
        broken = compose()
        broken["services"]["worker"]["healthckeck"] = broken["services"]["worker"].pop("healthcheck")
        with pytest.raises(jsonschema.ValidationError, match="healthckeck"):
            jsonschema.validate(broken, COMPOSE_SCHEMA)


@pytest.mark.parametrize("secret", sorted(REQUIRED_SECRETS))
def test_compose_refuses_to_start_without_each_secret(secret):
    with pytest.raises(MissingVariable, match=secret):
        compose({name: value for name, value in SAMPLE_ENV.items() if name != secret})


def test_no_secret_has_a_default_in_compose():
    text = COMPOSE_FILE.read_text()
    for secret in REQUIRED_SECRETS:
        assert re.findall(r"\$\{" + secret + r"(:?[-?])", text), secret
        assert set(re.findall(r"\$\{" + secret + r"(:?[-?])", text)) == {":?"}, secret


def test_bind_mounted_files_exist():
    for service in services().values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (ROOT / source).is_file(), volume


# --- compose: what each service must have ------------------------------------------------------------------------


def test_every_long_running_service_has_healthcheck_restart_policy_and_limits():
    for name, service in services().items():
        limits = service.get("deploy", {}).get("resources", {}).get("limits", {})
        assert {"cpus", "memory"} <= set(limits), name
        if is_one_shot(service):
            continue
        assert service.get("restart") in {"always", "unless-stopped"}, name
        assert service.get("healthcheck", {}).get("test"), name
        assert service["healthcheck"]["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_one_shot_services_are_migrate_and_bucket_creation():
    one_shots = {name for name, service in services().items() if is_one_shot(service)}
    assert one_shots == {"migrate", "createbucket"}
    assert services()["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert "minio/mc" in services()["createbucket"]["image"]
    # migrate runs the app image, whose HEALTHCHECK is the web one: switched off for the one-shot.
    assert services()["migrate"]["healthcheck"] == {"disable": True}


def test_two_web_replicas_two_workers_and_one_beat_in_compose():
    assert sum(replicas(s) for s in services_running("gunicorn").values()) == 2
    assert sum(replicas(s) for s in services_running("celery", "worker").values()) == 2
    assert sum(replicas(s) for s in services_running("celery", "beat").values()) == 1


def test_app_services_start_after_migrate_and_the_bucket():
    app_services = {**services_running("gunicorn"), **services_running("celery")}
    assert len(app_services) == 4
    for name, service in app_services.items():
        depends = service["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["createbucket"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert services()["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services()["createbucket"]["depends_on"]["minio"]["condition"] == "service_healthy"


def test_only_nginx_publishes_a_port():
    published = {name for name, service in services().items() if service.get("ports")}
    assert published == {"nginx"}


def test_app_services_share_the_image_and_the_settings():
    app = {name: s for name, s in services().items() if s.get("build")}
    assert set(app) == {"web-1", "web-2", "worker", "beat", "migrate"}
    assert {s["image"] for s in app.values()} == {"baton:0.1.0"}
    env = {name: {k: v for k, v in s["environment"].items() if k != "PROMETHEUS_MULTIPROC_DIR"}
           for name, s in app.items()}
    assert all(value == env["migrate"] for value in env.values())
    settings = env["migrate"]
    assert settings["DEBUG"] == "0" and settings["LOG_FORMAT"] == "json"
    assert settings["BATON_TRUSTED_PROXY_COUNT"] == "1"  # nginx is the one proxy
    assert settings["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in settings["DATABASE_URL"]
    assert settings["REDIS_URL"].endswith("@redis:6379/0") and settings["CACHE_URL"].endswith("@redis:6379/1")
    assert settings["S3_ENDPOINT_URL"] == "http://minio:9000"


def test_compose_healthchecks_use_the_real_probes():
    for name, service in services_running("gunicorn").items():
        assert service["healthcheck"]["test"] == ["CMD", "python", "/app/deploy/healthcheck.py", "live"], name
    (worker,) = services_running("celery", "worker").values()
    assert "inspect ping -d celery@$HOSTNAME" in worker["healthcheck"]["test"][1]
    assert worker["command"][-2:] == ["-n", "celery@%h"]  # the node name the ping addresses
    (beat,) = services_running("celery", "beat").values()
    assert beat["healthcheck"]["test"][-1] == "beat"
    assert beat["command"][-2:] == ["--schedule", "/tmp/celerybeat-schedule"]


# --- nginx --------------------------------------------------------------------------------------------------------


def test_nginx_balances_over_exactly_the_web_services():
    upstream = re.search(r"upstream\s+baton_web\s*\{(.*?)\}", nginx_directives(), re.S).group(1)
    servers = re.findall(r"^\s*server\s+([\w.-]+):(\d+)", upstream, re.M)
    assert sorted(servers) == sorted((name, "8000") for name in services_running("gunicorn"))
    assert "proxy_pass http://baton_web;" in nginx_directives()


def test_nginx_forwards_the_headers_django_relies_on():
    directives = nginx_directives()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in directives  # appended, not replaced
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in directives
    assert "proxy_set_header X-Request-ID $baton_request_id;" in directives
    assert "proxy_set_header Host $host;" in directives
    for timeout in ("proxy_connect_timeout", "proxy_read_timeout", "proxy_send_timeout"):
        assert re.search(rf"^\s*{timeout}\s+\d+s;", directives, re.M), timeout


def test_nginx_accepts_the_largest_evidence_upload(settings):
    size = re.search(r"client_max_body_size\s+(\d+)m;", nginx_directives())
    assert size and int(size.group(1)) >= 26
    assert int(size.group(1)) * 1024 * 1024 > settings.EVIDENCE_MAX_BYTES


def test_nginx_keeps_metrics_private():
    directives = nginx_directives()
    assert re.search(r"location\s*=\s*/metrics\s*\{\s*return 404;", directives)
    assert re.search(r"location\s*\^~\s*/metrics/\s*\{\s*return 404;", directives)


def test_nginx_keeps_a_well_formed_request_id_like_django_does():
    from procurement.conf.observability import well_formed_request_id

    pattern = re.search(r'"~\^(.*?)\$"\s+\$http_x_request_id;', nginx_directives()).group(1)
    for candidate in ["abc12345", "a" * 128, "a" * 129, "short", "bad id with spaces", "req:1234.5_6-7", "-leading1"]:
        assert bool(re.fullmatch(pattern, candidate)) == well_formed_request_id(candidate), candidate


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed on this machine")
def test_nginx_accepts_the_configuration(tmp_path):
    site = NGINX_CONF.read_text().replace("web-1:8000", "127.0.0.1:8001").replace("web-2:8000", "127.0.0.1:8002")
    (tmp_path / "baton.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{ include {tmp_path}/baton.conf; }}\n")
    result = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- Kubernetes ---------------------------------------------------------------------------------------------------


def test_kubernetes_has_every_object_the_deployment_needs():
    kinds = {(doc["kind"], doc["metadata"]["name"]) for _, doc in manifests()}
    assert kinds == {
        ("Namespace", "baton"), ("ConfigMap", "baton-config"), ("Secret", "baton-secrets"),
        ("Job", "baton-migrate"), ("Deployment", "baton-web"), ("Service", "baton-web"),
        ("PodDisruptionBudget", "baton-web"), ("HorizontalPodAutoscaler", "baton-web"),
        ("Deployment", "baton-worker"), ("PodDisruptionBudget", "baton-worker"),
        ("Deployment", "baton-beat"), ("Ingress", "baton"),
    }
    assert all(doc["metadata"].get("namespace") == "baton" for _, doc in manifests() if doc["kind"] != "Namespace")


def test_kubernetes_replicas_and_strategies():
    assert deployment("web")["spec"]["replicas"] == 2
    assert deployment("worker")["spec"]["replicas"] == 2
    beat = deployment("beat")["spec"]
    assert beat["replicas"] == 1 and beat["strategy"] == {"type": "Recreate"}  # never two schedulers
    for component in ("web", "worker"):
        assert deployment(component)["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    hpa = objects("HorizontalPodAutoscaler")["baton-web"]["spec"]
    assert hpa["scaleTargetRef"]["name"] == "baton-web" and hpa["minReplicas"] >= 2


def _http_probe(probe: dict) -> tuple[str, dict[str, str]]:
    get = probe["httpGet"]
    return get["path"], {header["name"]: header["value"] for header in get.get("httpHeaders", [])}


def test_web_probes_point_at_the_health_urls_with_the_site_host():
    web = main_container(deployment("web"))
    config = objects("ConfigMap")["baton-config"]["data"]
    allowed = config["ALLOWED_HOSTS"].split(",")
    expected = {"startupProbe": LIVE, "livenessProbe": LIVE, "readinessProbe": READY}
    for probe_name, path in expected.items():
        probe_path, headers = _http_probe(web[probe_name])
        assert probe_path == path, probe_name
        assert web[probe_name]["httpGet"]["port"] == "http"
        assert headers["Host"] in allowed and headers["X-Forwarded-Proto"] == "https", probe_name
    assert {"name": "http", "containerPort": 8000} in web["ports"]


def test_health_urls_resolve_to_the_health_views(settings):
    from procurement import health

    healthcheck = runpy.run_path(str(DEPLOY / "healthcheck.py"))
    assert healthcheck["PATHS"] == {"live": LIVE, "ready": READY}
    assert resolve(LIVE).func is health.live
    assert resolve(READY).func is health.ready
    # Probes arrive over plain HTTP inside the network: the HTTPS redirect must leave them alone.
    exempt = [re.compile(pattern) for pattern in settings.SECURE_REDIRECT_EXEMPT]
    for path in (LIVE, READY):
        assert any(pattern.search(path.lstrip("/")) for pattern in exempt), path


def test_worker_probes_ping_their_own_node():
    worker = main_container(deployment("worker"))
    assert worker["command"][-2:] == ["-n", "celery@%h"]
    for probe_name in ("startupProbe", "livenessProbe"):
        command = worker[probe_name]["exec"]["command"]
        assert command[:2] == ["sh", "-c"]
        assert 'celery -A procurement inspect ping -d "celery@$HOSTNAME"' in command[2], probe_name
    # A stopping worker gets longer than the hard task time limit to finish what it holds.
    from django.conf import settings

    assert pod_spec(deployment("worker"))["terminationGracePeriodSeconds"] > settings.CELERY_TASK_TIME_LIMIT


def test_beat_liveness_reads_the_schedule_file_it_writes():
    beat = main_container(deployment("beat"))
    assert beat["livenessProbe"]["exec"]["command"] == ["python", "/app/deploy/healthcheck.py", "beat"]
    assert beat["command"][-2:] == ["--schedule", "/tmp/celerybeat-schedule"]


def test_the_migration_job_runs_migrate_and_workloads_wait_for_it():
    job = objects("Job")["baton-migrate"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    for component in ("web", "worker", "beat"):
        (init,) = pod_spec(deployment(component))["initContainers"]
        assert init["command"] == ["python", "manage.py", "migrate", "--check"], component


def _template_labels(workload: dict) -> dict:
    return workload["spec"]["template"]["metadata"]["labels"]


def test_disruption_budgets_select_the_web_and_worker_pods():
    budgets = objects("PodDisruptionBudget")
    assert set(budgets) == {"baton-web", "baton-worker"}
    for component in ("web", "worker"):
        selector = budgets[f"baton-{component}"]["spec"]["selector"]["matchLabels"]
        labels = _template_labels(deployment(component))
        assert selector.items() <= labels.items(), component
        # ...and no other workload's pods.
        for other in ("web", "worker", "beat"):
            if other != component:
                assert not selector.items() <= _template_labels(deployment(other)).items(), (component, other)
        assert budgets[f"baton-{component}"]["spec"]["minAvailable"] < deployment(component)["spec"]["replicas"]


def test_services_and_ingress_reach_the_web_pods():
    service = objects("Service")["baton-web"]["spec"]
    assert service["selector"].items() <= _template_labels(deployment("web")).items()
    assert not service["selector"].items() <= _template_labels(deployment("worker")).items()
    ingress = objects("Ingress")["baton"]
    (rule,) = ingress["spec"]["rules"]
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "baton-web", "port": {"name": "http"}}
    assert rule["host"] in objects("ConfigMap")["baton-config"]["data"]["ALLOWED_HOSTS"].split(",")
    body = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert int(body.rstrip("m")) >= 26


def _all_containers(workload: dict) -> list[dict]:
    spec = workload["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def _workloads() -> dict[str, dict]:
    return {**{f"deployment/{n}": d for n, d in objects("Deployment").items()},
            **{f"job/{n}": j for n, j in objects("Job").items()}}


def test_pods_run_as_non_root_on_a_read_only_root_with_a_tmp_volume():
    dockerfile_user = re.search(r"^USER\s+(\d+):(\d+)", (ROOT / "Dockerfile").read_text(), re.M)
    for name, workload in _workloads().items():
        spec = workload["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert str(spec["securityContext"]["runAsUser"]) == dockerfile_user.group(1), name
        assert spec["automountServiceAccountToken"] is False, name
        tmp_volumes = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
        for container in _all_containers(workload):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert mounts.get("/tmp") in tmp_volumes, (name, container["name"])
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), (name, container["name"])
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), (name, container["name"])


def test_one_image_and_one_command_per_role_in_compose_and_kubernetes():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    images = {c["image"] for workload in _workloads().values() for c in _all_containers(workload)}
    assert images == {f"baton:{version}"}
    assert {s["image"] for s in services().values() if s.get("build")} == images
    (compose_web,) = {tuple(s["command"]) for s in services_running("gunicorn").values()}
    (compose_worker,) = {tuple(s["command"]) for s in services_running("celery", "worker").values()}
    (compose_beat,) = {tuple(s["command"]) for s in services_running("celery", "beat").values()}
    assert tuple(main_container(deployment("web"))["command"]) == compose_web
    assert tuple(main_container(deployment("worker"))["command"]) == compose_worker
    assert tuple(main_container(deployment("beat"))["command"]) == compose_beat
    (job_container,) = objects("Job")["baton-migrate"]["spec"]["template"]["spec"]["containers"]
    assert job_container["command"] == services()["migrate"]["command"]
    # The image's default command is the web one too.
    cmd = re.search(r"^CMD\s+(\[.*\])", (ROOT / "Dockerfile").read_text(), re.M).group(1)
    assert tuple(yaml.safe_load(cmd)) == compose_web


def test_kubernetes_and_compose_give_the_app_the_same_settings():
    config = set(objects("ConfigMap")["baton-config"]["data"])
    secret = set(objects("Secret")["baton-secrets"]["stringData"])
    assert not config & secret
    compose_env = set(services()["migrate"]["environment"])
    assert config | secret == compose_env
    for workload in _workloads().values():
        for container in _all_containers(workload):
            sources = [s.get("configMapRef", s.get("secretRef"))["name"] for s in container["envFrom"]]
            assert sources == ["baton-config", "baton-secrets"]


def test_the_secret_holds_only_placeholders():
    for key, value in objects("Secret")["baton-secrets"]["stringData"].items():
        assert value.startswith("CHANGE-ME"), key


# --- gunicorn and the health-check script -------------------------------------------------------------------------


def test_gunicorn_runs_threads_and_outlasts_nginx():
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["worker_class"] == "gthread"
    assert config["workers"] == 2 and config["threads"] == 4
    read_timeout = int(re.search(r"proxy_read_timeout\s+(\d+)s;", nginx_directives()).group(1))
    assert config["timeout"] > read_timeout
    upstream_keepalive = int(re.search(r"keepalive_timeout\s+(\d+)s;", nginx_directives()).group(1))
    assert config["keepalive"] > upstream_keepalive
    assert config["bind"] == "0.0.0.0:8000"


def test_gunicorn_empties_the_metrics_directory_on_start(tmp_path, monkeypatch):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "counter_123.db").write_bytes(b"stale")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    config["on_starting"](None)
    assert directory.is_dir() and list(directory.iterdir()) == []


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict] = []
    status = 200

    def do_GET(self):  # noqa: N802 - the http.server API
        type(self).seen.append({"path": self.path, "host": self.headers["Host"],
                                "proto": self.headers["X-Forwarded-Proto"]})
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def recording_server():
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.seen, _Recorder.status = [], 200
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _run_healthcheck(what: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(DEPLOY / "healthcheck.py"), what], capture_output=True, text=True,
                          timeout=30, env={"PATH": os.environ["PATH"], **env})


def test_the_http_health_check_sends_the_site_host_and_https(recording_server):
    port = str(recording_server.server_address[1])
    answered = _run_healthcheck("ready", BATON_HEALTH_PORT=port, ALLOWED_HOSTS=".example.org,localhost")
    assert answered.returncode == 0, answered.stderr
    assert _Recorder.seen == [{"path": READY, "host": "example.org", "proto": "https"}]

    _Recorder.status = 503
    assert _run_healthcheck("live", BATON_HEALTH_PORT=port, ALLOWED_HOSTS="baton.example.com").returncode == 1
    assert _Recorder.seen[-1] == {"path": LIVE, "host": "baton.example.com", "proto": "https"}


def test_the_beat_health_check_fails_on_a_stale_or_missing_schedule(tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    assert _run_healthcheck("beat", BATON_BEAT_SCHEDULE=str(schedule)).returncode == 1  # missing
    schedule.write_bytes(b"")
    assert _run_healthcheck("beat", BATON_BEAT_SCHEDULE=str(schedule)).returncode == 0  # fresh
    # an hour before the file system's own time of the write: the health check runs in a process of its own (with a
    # clean environment, so on the real clock even when faketime moves this one)
    old = schedule.stat().st_mtime - 3600
    os.utime(schedule, (old, old))
    stale = _run_healthcheck("beat", BATON_BEAT_SCHEDULE=str(schedule), BATON_BEAT_STALE_SECONDS="600")
    assert stale.returncode == 1 and "3600s ago" in stale.stdout


def test_the_deploy_guide_documents_every_setting_the_files_set():
    guide = (ROOT / "docs" / "deploy.md").read_text()
    table = {line.split("|")[1].strip() for line in guide.splitlines() if line.startswith("| `")}
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", " ".join(table)))
    compose_names = set(services()["migrate"]["environment"]) | {"PROMETHEUS_MULTIPROC_DIR"}
    kubernetes_names = (set(objects("ConfigMap")["baton-config"]["data"])
                        | set(objects("Secret")["baton-secrets"]["stringData"]))
    assert compose_names | kubernetes_names | REQUIRED_SECRETS <= documented
