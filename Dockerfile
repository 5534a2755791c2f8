# dfns-mock as a container: a release build on Debian, served on 0.0.0.0:8080 with the
# bundled fixtures and scenarios.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
COPY --from=build /src/target/release/dfns-mock /usr/local/bin/dfns-mock
WORKDIR /app
COPY fixtures ./fixtures
COPY scenarios ./scenarios
ENV DFNS_MOCK_BIND=0.0.0.0 DFNS_MOCK_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=2s --timeout=3s --retries=15 CMD ["dfns-mock", "healthcheck"]
ENTRYPOINT ["dfns-mock"]
CMD ["serve"]
