#!/bin/sh
# docker-compose's one-shot migrate service: apply migrations as the tables' owner
# (MIGRATE_DATABASE_URL), then grant the application's role (DATABASE_URL's user) its
# privileges on whatever tables now exist. web, worker and beat start only after it succeeds.
set -eu
: "${MIGRATE_DATABASE_URL:?set MIGRATE_DATABASE_URL to the owner role's URL}"
DATABASE_URL="$MIGRATE_DATABASE_URL" python manage.py migrate --noinput
DATABASE_URL="$MIGRATE_DATABASE_URL" python manage.py grant_app_role "${TIERDESK_APP_ROLE:-tierdesk_app}"
