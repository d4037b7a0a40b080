# genai-collector: the release binary (Swift standard library static, stripped) on a minimal Debian.
# Build with scripts/build-image.sh (buildah, podman or docker); it puts the binary in .build/image.
# BASE: debian:bookworm-slim by default; scripts/build-image.sh passes a debootstrap-made base
# holding only what the binary loads.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
ARG VERSION=dev
ARG SOURCE=unknown
ARG REVISION=unknown
# No licence is declared for the project yet: SPDX's NOASSERTION says so rather than guessing.
ARG LICENSE=NOASSERTION
LABEL org.opencontainers.image.title="genai-collector" \
      org.opencontainers.image.description="OpenTelemetry collector and translator for LLM and agent telemetry" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="${LICENSE}"
# CA certificates and time zones: in the cut-down base already; installed on debian:bookworm-slim.
RUN [ -s /etc/ssl/certs/ca-certificates.crt ] && [ -d /usr/share/zoneinfo ] || \
    (apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata libzstd1 && rm -rf /var/lib/apt/lists/*)
COPY .build/image/genai-collector /usr/bin/genai-collector
# The queue and the default file output live here; mount a volume (the root filesystem may be read-only).
COPY --chown=65532:65532 deploy/image/empty/ /var/lib/genai-collector/
USER 65532:65532
WORKDIR /var/lib/genai-collector
# The embedded default config listens on every interface inside the container.
ENV GENAI_COLLECTOR_HOST=0.0.0.0
VOLUME ["/var/lib/genai-collector", "/tmp"]
EXPOSE 4317 4318 8888 13133
ENTRYPOINT ["/usr/bin/genai-collector"]
CMD ["run"]
