# polbot: one container serving the web chat, the Telegram webhook and the Teams endpoint.
#   docker build -t polbot .
#   docker run -p 8080:8080 -v "$PWD/knowledge:/app/knowledge:ro" polbot

# --- build: a wheel of polbot and of every dependency ------------------------------------
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# --- run: the wheels installed, no compiler, no sources, not root ------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    POLBOT_KNOWLEDGE_DIR=/app/knowledge \
    POLBOT_CONFIG=/app/config/polbot.yaml
RUN groupadd --system --gid 10001 polbot \
    && useradd --system --uid 10001 --gid polbot --no-create-home --shell /usr/sbin/nologin polbot
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels polbot==0.1.0 \
    && rm -rf /wheels
WORKDIR /app
# The knowledge base and the defaults are baked in; mount a volume on either to override.
COPY knowledge /app/knowledge
COPY config /app/config
# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('POLBOT_PORT', '8080'), timeout=4)"]
CMD ["polbot", "serve"]
