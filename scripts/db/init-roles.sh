#!/bin/sh
# Run once by the postgres image on a fresh data volume (/docker-entrypoint-initdb.d/), as
# the server's superuser. Creates the two roles of the role split and the database:
#
#   tierdesk_owner  owns the database and its tables; only migrations connect as it
#                   (MIGRATE_DATABASE_URL).
#   tierdesk_app    what web, worker and beat connect as (DATABASE_URL): neither owner nor
#                   superuser, so it can neither disable the ledger's triggers nor skip them.
#                   Its table privileges are granted after each migrate by
#                   `manage.py grant_app_role tierdesk_app` (SELECT, INSERT only on the ledger).
#
# The per-session settings live on the roles, not in the client's startup options, because
# PgBouncer in transaction mode refuses startup options it does not track: every server
# connection PgBouncer opens as tierdesk_app starts with them (docs/scaling.md). A direct
# connection's options (config/settings.py) still override them for that session.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v owner_password="${TIERDESK_OWNER_PASSWORD:?}" -v app_password="${TIERDESK_APP_PASSWORD:?}" <<'SQL'
CREATE ROLE tierdesk_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE tierdesk_app LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
CREATE DATABASE tierdesk OWNER tierdesk_owner;
REVOKE ALL ON DATABASE tierdesk FROM PUBLIC;
GRANT CONNECT ON DATABASE tierdesk TO tierdesk_app;
-- JIT compilation cost more than it saved on the statements measured (docs/scaling.md).
ALTER ROLE tierdesk_app SET jit = off;
ALTER ROLE tierdesk_app SET work_mem = '16MB';
-- A runaway statement ends as an error instead of holding a server connection and its locks;
-- a transaction left open by a crashed client releases its row locks after a minute.
ALTER ROLE tierdesk_app SET statement_timeout = '30s';
ALTER ROLE tierdesk_app SET idle_in_transaction_session_timeout = '60s';
-- Migrations build indexes on big tables: no limit for the owner.
ALTER ROLE tierdesk_owner SET jit = off;
ALTER ROLE tierdesk_owner SET statement_timeout = 0;
SQL
# PostgreSQL 15+: the public schema belongs to the database owner, and PUBLIC may not create in it.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname tierdesk <<'SQL'
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO tierdesk_app;
SQL
