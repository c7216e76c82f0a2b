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
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY mappings ./mappings
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

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
