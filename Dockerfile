# The image a Docker work pool runs mkmw-flows in: Python, Prefect and the mkmw-flows package,
# nothing else (no checkout, no emulators). The flows are imported by module path
# (prefect.yaml: mkmw_flows.flows.orders:sync_orders), so the image needs no code folder.
#
#   docker build -t mkmw-flows:0.1.0 .
#   prefect work-pool create mkmw-docker --type docker
#   prefect --no-prompt deploy --all --pool mkmw-docker --job-variable image=mkmw-flows:0.1.0
#
# See docs/operations.md ("A Docker work pool").

# -- build the wheel from the sources (the same `pip wheel . --no-deps` CI tests) ----------
FROM python:3.11-slim AS wheel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY mkmw_flows ./mkmw_flows
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

# -- the runtime image: the wheel and its dependencies (prefect~=3.9.1 among them) ----------
FROM python:3.11-slim
COPY --from=wheel /dist/ /tmp/dist/
RUN pip install --no-cache-dir /tmp/dist/mkmw_flows-*.whl \
    && rm -rf /tmp/dist \
    && useradd --create-home --uid 10001 mkmw
USER mkmw
WORKDIR /home/mkmw
# A SQLite state store would live (and die) with the container: give the Integration block a
# PostgreSQL state_database_url, or mount a volume at /home/mkmw/.mkmw.
ENV PYTHONUNBUFFERED=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false
CMD ["prefect", "version"]
