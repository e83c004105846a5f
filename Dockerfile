# One image for every Baton process: web (gunicorn), worker and beat (celery), and the migrate job.
# docker-compose.yml and deploy/kubernetes/ run it with different commands; docs/deploy.md explains how.
#
# Three stages: npm fetches the front-end packages Baton serves itself, uv builds the virtual environment
# from uv.lock, and the runtime stage carries neither node nor the build tools.

ARG PYTHON_VERSION=3.12

FROM node:22-bookworm-slim AS frontend
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:${PYTHON_VERSION}-slim-bookworm AS python-deps
ENV UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir "uv>=0.5"
WORKDIR /build
COPY pyproject.toml uv.lock .python-version ./
# The interpreter is the image's own, whatever .python-version says (3.12 and 3.13 are both supported).
RUN uv sync --locked --no-dev --no-install-project --python "$(command -v python3)"

FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    HOME=/home/baton \
    XDG_CACHE_HOME=/tmp/cache \
    DJANGO_SETTINGS_MODULE=procurement.settings
# WeasyPrint's system libraries (harfbuzz-subset keeps font subsetting fast) and the one font it needs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 baton \
    && useradd --system --uid 10001 --gid baton --home-dir /home/baton --create-home baton
WORKDIR /app
COPY --from=python-deps /opt/venv /opt/venv
COPY --from=frontend /build/node_modules ./node_modules
COPY . .
# Static files are collected at build time with the production storage (hashed, compressed names that
# whitenoise serves with far-future caching). The values below exist only for this build step.
RUN DEBUG=0 SECRET_KEY=collectstatic-build-only ALLOWED_HOSTS=build.invalid BATON_VAR_DIR=/tmp/build-var \
        python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-var
# Numeric user, so Kubernetes' runAsNonRoot can check it. Nothing under /app is writable at run time:
# scratch space is /tmp (an emptyDir in Kubernetes) and files go to S3.
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py", "live"]
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "procurement.wsgi:application"]
