# opsbot: slim image, non-root, `opsbot serve` entry point, health check on /health.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OPSBOT_DATA_DIR=/data

# a font with Chinese glyphs, so chart labels in Chinese display (charts fall back to English without one)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 opsbot && mkdir -p /data && chown opsbot /data
WORKDIR /app
COPY . .
RUN pip install . && rm -rf build *.egg-info

USER opsbot
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4)" || exit 1
# every page but /health, the platforms' webhooks and the login pages needs a login (docs/security.md): create
# the first admin in the running container with `opsbot users add NAME --admin` before anyone uses it
ENTRYPOINT ["opsbot"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
