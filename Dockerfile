# edigw as a container: `edigw serve` as a non-root user, the data folder (ledger, received
# files, SFTP homes, archive, host key) as a volume. Configure sellers and partners with a
# settings file / EDIGW_* variables and a mounted mappings/ folder.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    EDIGW_MAPPINGS=/app/mappings EDIGW_DATA_DIR=/data \
    EDIGW_HTTP_HOST=0.0.0.0 EDIGW_SFTP_HOST=0.0.0.0
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY mappings ./mappings
COPY samples ./samples
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /data --no-create-home edigw \
    && mkdir -p /data && chown edigw /data
USER edigw
VOLUME ["/data"]
EXPOSE 8080 2222
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"
ENTRYPOINT ["edigw"]
CMD ["serve", "--http-port", "8080", "--sftp-port", "2222"]
