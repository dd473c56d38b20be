# kratos-mock as a CI sidecar: the Kratos admin API (and /schemas) on port 4434.
#   docker build -t kratos-mock .
#   docker run -p 4434:4434 -v "$PWD/tests/fixtures:/fixtures:ro" -e KRATOS_MOCK_SEED=42 kratos-mock
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

# Extra pip options, e.g. "--no-index" when wheels/ holds every wheel (offline builds).
ARG PIP_OPTIONS=""

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/kratos-mock/bin:$PATH

# Dependencies first, in their own layer: they change far less often than the code.
COPY pyproject.toml README.md /src/
COPY wheels/ /wheels/
RUN python3 -m venv /opt/kratos-mock \
 && python3 -c "import tomllib; print('\n'.join(tomllib.load(open('/src/pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install ${PIP_OPTIONS} --find-links /wheels -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY mockserver/ /src/mockserver/
COPY spec/ /src/spec/
COPY fixtures/ /src/fixtures/
COPY conformance/ /src/conformance/
COPY hatch_build.py /src/
# hadolint ignore=DL3013
RUN pip install ${PIP_OPTIONS} --find-links /wheels --no-deps /src \
 && rm -rf /src /wheels \
 && mkdir -p /fixtures

ENV KRATOS_MOCK_HOST=0.0.0.0 \
    KRATOS_MOCK_PORT=4434 \
    KRATOS_MOCK_FIXTURES_DIR=/fixtures

USER 10001:10001
# 4433: the public API when KRATOS_MOCK_PUBLIC_PORT=4433 (README "Run as a CI sidecar")
EXPOSE 4434 4433
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/ready' % os.environ.get('KRATOS_MOCK_PORT', '4434'), timeout=2)"]
ENTRYPOINT ["kratos-mock", "run"]
