# The portal's image: the web, worker and beat processes of docker-compose.yml all run it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY portal/__init__.py portal/__init__.py
COPY policies/__init__.py policies/__init__.py
COPY usecases/__init__.py usecases/__init__.py
RUN pip install .

COPY . .
RUN pip install --no-deps . \
 && DEBUG=true python manage.py collectstatic --noinput -v0 \
 && useradd --system --uid 10001 portal && mkdir -p var && chown portal var

USER portal
EXPOSE 8000
CMD ["bin/web"]
