# The service image: a static binary on `scratch`, run as a non-root user.
#
# Stages (the file order matters: Docker's legacy builder, the only one on machines
# without buildx, builds every stage that precedes the target, so `base` and `runtime-local` come
# first and never needs the Rust image):
#   base           scratch + labels, user, ports, health check (shared).
#   runtime-local  base + a binary built on the host. No registry needed. Build:
#                    CARGO_TARGET_DIR=target/static RUSTFLAGS="-C target-feature=+crt-static" \
#                      cargo build --release --locked -p app --target x86_64-unknown-linux-gnu
#                    docker build --target runtime-local --build-arg RELEASE=<sha> -t app .
#                  (the harness does exactly this in `harness/src/twin/image.rs`).
#   builder        pinned Rust image, builds the same static binary (GitHub CI).
#   harness-builder  the same Rust image, builds the `harness` release binary.
#   harness        the verification runner: `harness` on distroless cc (glibc, CA roots,
#                  non-root), for one-off ECS tasks (terraform/harness-runner). Build:
#                    docker build --target harness -t harness .
#   runtime        base + the builder's binary; the default target.
#
# BuildKit builds only the stages the target needs. The legacy builder builds every
# stage before the target, so it also compiles the harness for `runtime` (CI uses
# BuildKit; the twin builds `runtime-local`, which comes before every Rust stage).
#
# Port 80 as a non-root user: the process binds 80 without root or file capabilities
# because the container's own network namespace sets
# `net.ipv4.ip_unprivileged_port_start=0`. Docker (>= 20.10) and Podman set that by
# default for every container not on the host network; on ECS put it in the task
# definition's `systemControls`, or pass `--sysctl net.ipv4.ip_unprivileged_port_start=0`
# to runtimes that do not default it. File capabilities (setcap) were rejected: they
# need xattrs to survive the build context and break under `no-new-privileges`.
# Alternatively set APP_PORT to a high port and map it.

ARG RELEASE=""

# What both runtime stages share: labels, release, user, ports, health check.
FROM scratch AS base
ARG RELEASE
LABEL org.opencontainers.image.title="canary-harness app" \
      org.opencontainers.image.description="Hello World on :80, JSON health on :8080, x-release/x-variant on every response" \
      org.opencontainers.image.source="https://github.com/example/canary-harness" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${RELEASE}"
# Empty RELEASE falls back to the release compiled into the binary.
ENV RELEASE="${RELEASE}"
USER 65532:65532
EXPOSE 80 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s --retries=3 CMD ["/app", "healthcheck"]
ENTRYPOINT ["/app"]

FROM base AS runtime-local
# Root-owned and not writable by the runtime user.
COPY target/static/x86_64-unknown-linux-gnu/release/app /app

FROM rust:1.95.0-slim-bookworm AS builder
ARG RELEASE
WORKDIR /src
COPY Cargo.toml Cargo.lock rustfmt.toml ./
COPY app ./app
COPY contract ./contract
COPY core ./core
COPY harness ./harness
# APP_RELEASE is baked into the binary as its default release.
RUN APP_RELEASE="${RELEASE}" RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --release --locked -p app --target x86_64-unknown-linux-gnu \
    && cp target/x86_64-unknown-linux-gnu/release/app /app

FROM rust:1.95.0-slim-bookworm AS harness-builder
WORKDIR /src
COPY Cargo.toml Cargo.lock rustfmt.toml ./
COPY app ./app
COPY contract ./contract
COPY core ./core
COPY harness ./harness
RUN cargo build --release --locked -p harness && cp target/release/harness /harness \
    && mkdir /reports

# Debian 12's glibc, as the builder's; CA roots for rustls-native-certs; uid 65532.
# The container only sends requests and writes its report folder (a volume).
FROM gcr.io/distroless/cc-debian12:nonroot AS harness
LABEL org.opencontainers.image.title="canary-harness runner" \
      org.opencontainers.image.description="harness gate / verify as a one-off task (one shard of a matrix run)" \
      org.opencontainers.image.source="https://github.com/example/canary-harness" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=harness-builder /harness /harness
# The report folder, owned by the runtime user: Fargate gives a task volume mounted
# here the owner of the image's directory (terraform/harness-runner mounts one).
COPY --from=harness-builder --chown=65532:65532 /reports /reports
VOLUME ["/reports"]
USER 65532:65532
ENTRYPOINT ["/harness"]

FROM base AS runtime
COPY --from=builder /app /app
