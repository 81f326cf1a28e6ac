# Tierdesk production image: one image for web (gunicorn), worker and beat (Celery).
FROM python:3.11-slim

# The source tree in /app, not the installed copy, is what runs (PYTHONPATH): templates,
# static files and manage.py live next to it.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    TIERDESK_VAR_DIR=/app/var

WORKDIR /app

# Dependencies first, from pyproject.toml and the lock alone, so that a code change reuses
# this layer. The lock pins the versions the tests ran with.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt -c requirements.lock \
    && rm /tmp/requirements.txt

COPY . .

# Static files are collected (hashed and compressed by whitenoise) at build time, so the
# containers start without writing to their file system. The throwaway database and broker
# URLs only let the settings load: collectstatic touches neither.
RUN pip install --no-deps . \
    && DATABASE_URL=sqlite:////tmp/build.sqlite3 CELERY_BROKER_URL=memory:// SECRET_KEY=build-only \
        python manage.py collectstatic --noinput \
    && rm -f /tmp/build.sqlite3 \
    && useradd --create-home --uid 1000 tierdesk \
    && mkdir -p /app/var \
    && chown -R tierdesk /app/var

USER tierdesk
EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
