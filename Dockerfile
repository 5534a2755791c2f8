# dfns-mock as a container: a release build on Debian, then the binary alone (fixtures and
# scenarios are compiled in) on a distroless base, as a non-root user, on 0.0.0.0:8080.
#   docker build -t dfns-mock .
#   docker run --rm -p 8080:8080 dfns-mock
ARG RUST_VERSION=1.89
# Where the binary and the runtime come from; scripts/compose-proof.sh swaps in local images.
ARG BUILDER=build
ARG RUNTIME=gcr.io/distroless/cc-debian12:nonroot
FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /src
# Dependencies first, in their own layer: editing src/ does not rebuild the crates.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src target/release/.fingerprint/dfns-mock-*
COPY src src
COPY fixtures fixtures
COPY scenarios scenarios
COPY openapi openapi
RUN cargo build --release --locked

FROM ${BUILDER} AS binary

# glibc, libgcc and CA certificates, nothing else; uid 65532 "nonroot".
FROM ${RUNTIME}
COPY --from=binary /src/target/release/dfns-mock /usr/local/bin/dfns-mock
USER 65532:65532
WORKDIR /home/nonroot
ENV DFNS_MOCK_BIND=0.0.0.0 DFNS_MOCK_LOG_FORMAT=json
EXPOSE 8080 8443
HEALTHCHECK --interval=2s --timeout=3s --retries=15 CMD ["/usr/local/bin/dfns-mock", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/dfns-mock"]
CMD ["serve"]
