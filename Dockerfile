# depshield for users: `docker build -t depshield .` then, in a project,
#   docker run --rm -v "$PWD:/project" depshield scan
# The install is the README's: a Python 3.11+ venv and `pip install` of this folder (the CLI only;
# add `[server]` for `depshield serve`). Registries come from the environment, as on a host:
# pass PIP_INDEX_URL / npm_config_registry with -e, or mount your .npmrc / pip.conf.
# EXTRAS="[server,monitor]" for the service, the monitor and workers (examples/compose.yaml).
FROM python:3.12-slim
ARG EXTRAS=""
ENV VIRTUAL_ENV=/opt/depshield PATH=/opt/depshield/bin:$PATH PYTHONDONTWRITEBYTECODE=1
COPY . /src
RUN python -m venv "$VIRTUAL_ENV" \
 && pip install --no-cache-dir --disable-pip-version-check "/src${EXTRAS}" \
 && rm -rf /src
WORKDIR /project
ENTRYPOINT ["depshield"]
CMD ["scan", "."]
