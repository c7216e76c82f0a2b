# edigw: the translation gateway as a container. `edigw serve` arrives with the service issue;
# until then the image runs the CLI (`docker run edigw translate /data/file.edi`).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 EDIGW_MAPPINGS=/app/mappings
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY mappings ./mappings
COPY samples ./samples
RUN pip install --no-cache-dir . && useradd --system --uid 10001 --home /data edigw \
    && mkdir -p /data && chown edigw /data
USER edigw
VOLUME ["/data"]
ENTRYPOINT ["edigw"]
CMD ["demo", "--samples", "/app/samples"]
