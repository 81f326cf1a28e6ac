"""The production shape: docker-compose.yml and the Dockerfile agree with each other and the docs.

Docker does not run on the development machines, so these read the files instead.
"""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def command_of(service: dict) -> str:
    command = service["command"]
    return " ".join(command) if isinstance(command, list) else command


def test_compose_runs_postgres_redis_and_the_four_application_services(compose):
    assert set(compose["services"]) == {"postgres", "redis", *APP_SERVICES}
    assert compose["services"]["postgres"]["image"].startswith("postgres:16")
    assert compose["services"]["redis"]["image"].startswith("redis:7")
    assert "pg_isready" in " ".join(compose["services"]["postgres"]["healthcheck"]["test"])
    assert "ping" in compose["services"]["redis"]["healthcheck"]["test"]


def test_web_worker_beat_and_migrate_share_one_image_and_one_environment(compose):
    services = [compose["services"][name] for name in APP_SERVICES]
    assert len({s["image"] for s in services}) == 1
    assert all(s["build"] == "." for s in services)
    environments = [s["environment"] for s in services]
    assert all(env == environments[0] for env in environments)
    env = environments[0]
    assert env["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379")
    assert env["DEBUG"] == "0"
    assert env["CONN_MAX_AGE"] == "60"
    # No default secret: compose refuses to start without one.
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "ALLOWED_HOSTS" in env


def test_migrations_run_once_before_web_worker_and_beat(compose):
    migrate = compose["services"]["migrate"]
    assert "migrate" in command_of(migrate)
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        depends = compose["services"][name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"


def test_web_is_gunicorn_with_a_health_check_on_healthz(compose):
    web = compose["services"]["web"]
    command = command_of(web)
    assert command.startswith("gunicorn config.wsgi:application")
    assert "--bind=0.0.0.0:8000" in command
    assert "--workers=3" in command
    assert "/healthz/" in " ".join(web["healthcheck"]["test"])


def test_workers_scale_and_there_is_exactly_one_beat(compose):
    worker, beat = compose["services"]["worker"], compose["services"]["beat"]
    assert command_of(worker).startswith("celery -A config worker")
    # container_name would forbid `--scale worker=N`.
    assert "container_name" not in worker
    assert command_of(beat).startswith("celery -A config beat")
    assert "--schedule=/tmp/beat-schedule" in command_of(beat)
    assert beat["deploy"]["replicas"] == 1
    assert "-B" not in command_of(worker).split() and "--beat" not in command_of(worker)


def test_dockerfile_builds_on_python_311_slim_installs_the_project_and_collects_static():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile.splitlines()
    assert "pip install --no-deps ." in dockerfile
    assert "manage.py collectstatic --noinput" in dockerfile
    assert "USER tierdesk" in dockerfile


def test_docker_build_context_leaves_out_local_state_and_secrets():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", "var", ".env"):
        assert entry in ignored
