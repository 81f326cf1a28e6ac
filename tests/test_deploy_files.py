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


def test_compose_runs_postgres_pgbouncer_redis_and_the_four_application_services(compose):
    assert set(compose["services"]) == {"postgres", "pgbouncer", "redis", *APP_SERVICES}
    assert compose["services"]["postgres"]["image"].startswith("postgres:16")
    assert compose["services"]["redis"]["image"].startswith("redis:7")
    assert "pg_isready" in " ".join(compose["services"]["postgres"]["healthcheck"]["test"])
    assert "ping" in compose["services"]["redis"]["healthcheck"]["test"]


def test_web_worker_beat_and_migrate_share_one_image_and_one_environment(compose):
    services = [compose["services"][name] for name in APP_SERVICES]
    assert len({s["image"] for s in services}) == 1
    assert all(s["build"] == "." for s in services)
    environments = [s["environment"] for s in services]
    # migrate differs only in how it reaches the database.
    database_keys = {"DATABASE_URL", "DATABASE_POOLER", "DATABASE_STATEMENT_TIMEOUT_MS"}
    rest = [{k: v for k, v in env.items() if k not in database_keys} for env in environments]
    assert all(env == rest[0] for env in rest)
    assert all(env == environments[1] for env in environments[1:])
    env = environments[1]
    assert env["DATABASE_URL"].startswith("postgres://")
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
        assert depends["pgbouncer"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def pgbouncer_settings(compose) -> dict[str, str]:
    return {key: str(value) for key, value in compose["services"]["pgbouncer"]["environment"].items()}


def test_pgbouncer_pools_transactions_for_the_app_role_in_front_of_postgres(compose):
    pgbouncer = compose["services"]["pgbouncer"]
    image, _, tag = pgbouncer["image"].partition(":")
    assert image == "edoburu/pgbouncer"
    assert tag and tag != "latest"
    settings = pgbouncer_settings(compose)
    assert settings["POOL_MODE"] == "transaction"
    assert (settings["DB_HOST"], settings["DB_PORT"], settings["DB_NAME"]) == ("postgres", "5432", "tierdesk")
    assert settings["DB_USER"] == "tierdesk_app"
    assert settings["DB_PASSWORD"] == "${TIERDESK_APP_PASSWORD:-tierdesk-app}"
    assert settings["AUTH_TYPE"] == "scram-sha-256"
    assert int(settings["DEFAULT_POOL_SIZE"]) <= 50 < 1000 <= int(settings["MAX_CLIENT_CONN"])
    assert pgbouncer["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pg_isready" in pgbouncer["healthcheck"]["test"]
    assert settings["LISTEN_PORT"] in pgbouncer["healthcheck"]["test"]


def test_web_worker_and_beat_reach_postgres_through_pgbouncer(compose):
    port = pgbouncer_settings(compose)["LISTEN_PORT"]
    for name in ("web", "worker", "beat"):
        env = compose["services"][name]["environment"]
        assert f"tierdesk_app:${{TIERDESK_APP_PASSWORD:-tierdesk-app}}@pgbouncer:{port}/tierdesk" in env["DATABASE_URL"]
        assert env["DATABASE_POOLER"] == "pgbouncer"
        assert "DATABASE_STATEMENT_TIMEOUT_MS" not in env  # the role's 30 s applies


def test_migrate_connects_to_postgres_directly_without_a_statement_timeout(compose):
    env = compose["services"]["migrate"]["environment"]
    assert "@postgres:5432/tierdesk" in env["DATABASE_URL"]
    assert "@postgres:5432/tierdesk" in env["MIGRATE_DATABASE_URL"]
    assert env["MIGRATE_DATABASE_URL"].startswith("postgres://tierdesk_owner:")
    assert env["DATABASE_POOLER"] == ""
    assert env["DATABASE_STATEMENT_TIMEOUT_MS"] == "0"
    assert compose["services"]["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_init_roles_sets_the_session_settings_on_the_roles():
    """Through transaction pooling the role's settings are the only session settings there are."""
    script = (ROOT / "scripts" / "db" / "init-roles.sh").read_text()
    for setting in (
        "ALTER ROLE tierdesk_app SET jit = off;",
        "ALTER ROLE tierdesk_app SET work_mem = '16MB';",
        "ALTER ROLE tierdesk_app SET statement_timeout = '30s';",
        "ALTER ROLE tierdesk_app SET idle_in_transaction_session_timeout = '60s';",
        "ALTER ROLE tierdesk_owner SET statement_timeout = 0;",
    ):
        assert setting in script
    # After the roles exist, inside the heredoc that ON_ERROR_STOP guards.
    assert script.index("CREATE ROLE tierdesk_app") < script.index("ALTER ROLE tierdesk_app")
    assert script.index("ALTER ROLE tierdesk_owner") < script.index("\nSQL\n")


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
