# syntax=docker/dockerfile:1
#
# ChatAPI container image: multi-stage build.
#   builder: compiles the `chatapi` binary in release mode.
#   runtime: a slim Debian with only the binary and CA certificates.
#
# Build:  docker build -t chatapi .
# Run:    docker run --rm -p 8000:8000 -e REDIS_URL=redis://host:6379 chatapi
# (docker-compose.yml runs three of them behind nginx, with Redis.)

############################## builder ########################################
FROM rust:1-bookworm AS builder
WORKDIR /app

# 1. Dependency cache layer. Copy only the manifests and the lockfile, give
#    every workspace target a stub source, and build. This layer is rebuilt only
#    when Cargo.toml, Cargo.lock or loadtest/Cargo.toml change, not on every
#    source edit.
COPY Cargo.toml Cargo.lock ./
COPY loadtest/Cargo.toml loadtest/Cargo.toml
RUN mkdir -p src loadtest/src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && echo 'fn main() {}' > loadtest/src/main.rs \
 && cargo build --release --locked --bin chatapi \
 && rm -rf src loadtest/src

# 2. The real sources, and static/ (the demo page is compiled in with
#    include_str!). COPY keeps the files' original mtimes, which may be
#    older than the stub build above, so touch them to make sure Cargo
#    rebuilds the chatapi crate instead of reusing the stub artifacts.
COPY src src
COPY static static
COPY loadtest/src loadtest/src
RUN touch src/main.rs src/lib.rs \
 && cargo build --release --locked --bin chatapi \
 && cp target/release/chatapi /usr/local/bin/chatapi

############################## runtime ########################################
FROM debian:bookworm-slim AS runtime

# CA certificates for TLS connections (e.g. rediss:// URLs).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Run as an unprivileged system user, never as root.
RUN groupadd --system chatapi \
 && useradd --system --gid chatapi --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin chatapi

COPY --from=builder /usr/local/bin/chatapi /usr/local/bin/chatapi

# Listen on all interfaces inside the container; the port is published by
# `docker run -p` or docker-compose. REDIS_URL is supplied at run time.
ENV CHATAPI_HOST=0.0.0.0 \
    CHATAPI_PORT=8000

EXPOSE 8000

USER chatapi:chatapi

# No HEALTHCHECK: the slim image has no curl/wget, and adding one just for a
# probe would grow the attack surface. Orchestrators (compose, Kubernetes,
# nginx upstream checks) probe the HTTP port from outside instead.

ENTRYPOINT ["/usr/local/bin/chatapi"]
