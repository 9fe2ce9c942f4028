# The mpp server image: gunicorn's gevent workers as in deploy/, run as a non-root user.
#   docker build -t mpp .    then see deploy/compose.yaml (PostgreSQL, Redis, mpp, nginx)
FROM debian:bookworm-slim

ENV DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /opt/mpp

# the project's own script installs what the server needs (python3-venv, compiler and
# headers, npm, pg_dump/pg_restore for `mpp backup`, espeak-ng for announcements)
COPY scripts/system-deps.sh scripts/system-deps.sh
RUN scripts/system-deps.sh server && rm -rf /var/lib/apt/lists/*

COPY . .
RUN python3 -m venv .venv \
    && scripts/vendor.sh \
    && .venv/bin/pip install --quiet . \
    && rm -rf node_modules

RUN useradd --system --uid 10001 --home-dir /var/lib/mpp --create-home --shell /usr/sbin/nologin mpp \
    && install -d -o mpp -g mpp -m 0700 /var/backups/mpp
USER mpp

ENV PATH=/opt/mpp/.venv/bin:$PATH \
    MPP_DATA_DIR=/var/lib/mpp \
    MPP_BIND=0.0.0.0:8080 \
    MPP_LOG_FORMAT=json \
    MPP_BACKUP_DIR=/var/backups/mpp
VOLUME ["/var/lib/mpp", "/var/backups/mpp"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s \
    CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=4)"]
# migrations run once, here, before the workers start (never from the workers)
CMD ["sh", "-c", "mpp migrate && exec gunicorn -c deploy/gunicorn.conf.py mpp.wsgi:app"]
