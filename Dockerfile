# The one image of every service: `unimesh serve <service>`.
# Pure Go (the SQLite and PostgreSQL drivers need no cgo), so the binary is
# static and the runtime image holds nothing else.
FROM golang:1.26 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/unimesh ./cmd/unimesh

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/unimesh /usr/local/bin/unimesh
USER 65532:65532
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/unimesh"]
