# edigw as a container: `edigw serve` as a non-root user, the data folder (ledger, received
# files, SFTP homes, archive, host key) as a volume, private to the gateway (0700).
#
# The image holds no partner, no demo credentials and no samples: at start it logs
# "no partner configured". Add partners by mounting a folder of profiles (see
# mappings/partners/README.md) at /etc/edigw/partners:
#   docker run -v $PWD/partners:/etc/edigw/partners:ro -v edigw-data:/data \
#              -p 8080:8080 -p 2222:2222 edigw
# Configure sellers, operators and the rest with EDIGW_* variables or a settings file
# (`serve --settings /etc/edigw/settings.yaml`). Set ports with EDIGW_HTTP_PORT /
# EDIGW_SFTP_PORT: the HEALTHCHECK follows EDIGW_HTTP_PORT.
#
# The build stage compiles the translation hot path with mypyc (setup.py, EDIGW_MYPYC=1; the
# modules are listed in pyproject's [tool.edigw.mypyc]): the C compiler, mypy and a copy of
# the dependencies (mypyc type-checks against them) stay in this stage, the image gets the
# wheel only. The build fails if the wheel holds no compiled module. For a pure-Python image
# build with `--build-arg EDIGW_MYPYC=0`.
FROM python:3.11-slim AS build
ARG EDIGW_MYPYC=1
RUN if [ "$EDIGW_MYPYC" = 1 ]; then apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*; fi
WORKDIR /src
COPY pyproject.toml README.md setup.py ./
COPY gateway ./gateway
COPY mappings ./mappings
RUN if [ "$EDIGW_MYPYC" = 1 ]; then \
      pip install --no-cache-dir "setuptools>=68" wheel "mypy>=2.3,<3" types-PyYAML . \
      && EDIGW_MYPYC=1 pip wheel --no-cache-dir --no-deps --no-build-isolation \
         --wheel-dir /wheels . \
      && python -c "import glob, zipfile; [w] = glob.glob('/wheels/*.whl'); \
assert any(n.endswith('.so') for n in zipfile.ZipFile(w).namelist()), 'not compiled'"; \
    else pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .; fi

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    EDIGW_DATA_DIR=/data EDIGW_PARTNERS_DIR=/etc/edigw/partners \
    EDIGW_HTTP_HOST=0.0.0.0 EDIGW_SFTP_HOST=0.0.0.0 \
    EDIGW_HTTP_PORT=8080 EDIGW_SFTP_PORT=2222
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --system --uid 10001 --home-dir /data --no-create-home edigw \
    && mkdir -p /data /etc/edigw/partners && chown edigw /data && chmod 0700 /data
USER edigw
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080 2222
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('EDIGW_HTTP_PORT', '8080') + '/healthz', timeout=4)"
ENTRYPOINT ["edigw"]
CMD ["serve"]
