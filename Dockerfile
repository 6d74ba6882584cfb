# polbot: one container serving the web chat, the Telegram webhook and the Teams endpoint.
#   docker build -t polbot .
#   docker run -p 8080:8080 -v "$PWD/knowledge:/app/knowledge:ro" polbot
#
# Behind a corporate proxy (see the README, "Building behind a corporate proxy"):
#   docker build --build-arg PIP_INDEX_URL=https://pypi.example.nl/simple \
#                --build-arg EXTRA_CA_CERT="$(cat corporate-root-ca.pem)" -t polbot .
#
# The base image is pinned by digest, so that a build today and one next month start from
# the same bytes. To update it (monthly, or when Python 3.11 has a security release):
#   docker buildx imagetools inspect python:3.11-slim   # prints the index digest
# and replace the digest below; CI's tests hold both stages to the same PYTHON_IMAGE.
ARG PYTHON_IMAGE=python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

# --- build: a wheel of polbot and of every dependency ------------------------------------
FROM ${PYTHON_IMAGE} AS build
# A package index of one's own (a mirror or a proxy such as Nexus or Artifactory).
ARG PIP_INDEX_URL=https://pypi.org/simple
# PEM text of extra root certificates, for a network that inspects TLS.
ARG EXTRA_CA_CERT=""
ENV PIP_INDEX_URL=${PIP_INDEX_URL} \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN if [ -n "$EXTRA_CA_CERT" ]; then \
        printf '%s\n' "$EXTRA_CA_CERT" > /usr/local/share/ca-certificates/extra-ca.crt \
        && update-ca-certificates; \
    fi
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[review]"

# --- run: the wheels installed, no compiler, no sources, not root ------------------------
FROM ${PYTHON_IMAGE}
ARG EXTRA_CA_CERT=""
# Python's ssl and requests (the Teams SDK's token client) both trust the system's roots,
# extra ones included.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    POLBOT_KNOWLEDGE_DIR=/app/knowledge \
    POLBOT_CONFIG=/app/config/polbot.yaml
RUN if [ -n "$EXTRA_CA_CERT" ]; then \
        printf '%s\n' "$EXTRA_CA_CERT" > /usr/local/share/ca-certificates/extra-ca.crt \
        && update-ca-certificates; \
    fi
RUN groupadd --system --gid 10001 polbot \
    && useradd --system --uid 10001 --gid polbot --no-create-home --shell /usr/sbin/nologin polbot
COPY --from=build /wheels /wheels
# With the review extra (the de-identifier and the PostgreSQL driver), so that
# review.enabled works in the image; its lookup lists are built once here, into a folder
# that stays readable when the root file system is read-only.
ENV XDG_CACHE_HOME=/app/cache
RUN pip install --no-cache-dir --no-index --find-links=/wheels "polbot[review]==0.1.0" \
    && rm -rf /wheels \
    && python -c "from polbot.review import deidentify; deidentify.load()" \
    && chmod -R a+rX /app/cache
WORKDIR /app
# The knowledge base and the defaults are baked in; mount a volume on either to override.
COPY knowledge /app/knowledge
COPY config /app/config
# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; p = os.environ.get('POLBOT_PORT', ''); urllib.request.urlopen('http://127.0.0.1:%s/healthz' % (p if p.isdigit() else '8080'), timeout=4)"]
CMD ["polbot", "serve"]
