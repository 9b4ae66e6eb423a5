# The Muqing application image: one image for the api, worker and beat services (docker-compose.yml).
FROM python:3.11.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PATH=/opt/venv/bin:$PATH

RUN pip install --no-cache-dir "uv==0.13.9"
# Debian's Chromium renders `render: browser` sources (Playwright never downloads a browser); CJK fonts make
# the evidence screenshots legible.
RUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first (from the lock file), so code changes do not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY cli ./cli
COPY core ./core
COPY crawlers ./crawlers
COPY nlp ./nlp
COPY alerts ./alerts
COPY api ./api
COPY web ./web
RUN uv sync --locked --no-dev

# Never run as root; all state lives in the /data volume (models, beat schedule, snapshots).
RUN useradd --system --uid 10001 --user-group --home-dir /data muqing \
    && mkdir -p /data && chown muqing:muqing /data
USER muqing
ENV MUQING_DATA_DIR=/data \
    MUQING_HOST=0.0.0.0
VOLUME ["/data"]
EXPOSE 8000

CMD ["muqing", "api", "--host", "0.0.0.0", "--port", "8000"]
