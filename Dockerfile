# Production image: gunicorn serves the site, whitenoise its static files. The same image runs the
# Celery worker and beat (see docker-compose.yml).

FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
# Only the runtime packages (the design system and htmx); axe-core is for the tests.
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# pg_dump and pg_restore for `manage.py backup` / `restore`, of the compose database's major
# version (Debian's own client is older, and an older pg_dump refuses a newer server).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
      https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
      > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-18 \
 && apt-get purge -y curl && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 network
COPY pyproject.toml README.md ./
RUN pip install .

COPY --from=assets /app/node_modules ./node_modules
COPY . .
# collectstatic reads settings but connects to nothing: placeholder values are enough here.
RUN DEBUG=false SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/media && chown network:network /app/media

USER network
ENV MEDIA_ROOT=/app/media
EXPOSE 8000
# Asks with the first allowed host name: any other Host header would be refused with a 400.
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import os, urllib.request; host = os.environ['ALLOWED_HOSTS'].split(',')[0].lstrip('.'); urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/health/', headers={'Host': host}), timeout=4)"
# gunicorn believes X-Forwarded-Proto only from the addresses in FORWARDED_ALLOW_IPS (the proxy's
# own; docker-compose.yml gives the proxy a fixed one), never from whoever else reaches port 8000.
CMD ["gunicorn", "network.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
