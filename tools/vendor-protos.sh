#!/usr/bin/env bash
# Vendors the third-party .proto files our contracts import into proto/third_party,
# from pinned, integrity-checked sources reachable from our registries:
#   google/api, google/rpc        npm google-proto-files (sha512 below; Apache-2.0)
#   buf/validate                  Go module github.com/bufbuild/protovalidate (go.sum database; Apache-2.0)
#   protoc-gen-openapiv2/options  Go module github.com/grpc-ecosystem/grpc-gateway/v2 (BSD-3-Clause)
# Running it twice gives the same tree; `make vendor-protos` calls it.
set -euo pipefail

GOOGLE_PROTO_FILES_VERSION=6.0.1
GOOGLE_PROTO_FILES_SHA512='fbvUWVNh3rKGlVFWwlUNF7Sk1Tah0a89q02rLTXsWjbKKHGeuURAa8tl9rvu5TyWny1YiSIo5eDqF260Tai6vQ=='
PROTOVALIDATE_VERSION=v1.2.2
GRPC_GATEWAY_VERSION=v2.33.0

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/proto/third_party"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rm -rf "$dest"
mkdir -p "$dest/google/api" "$dest/google/rpc" "$dest/buf/validate" "$dest/protoc-gen-openapiv2/options"

# googleapis subset.
(cd "$work" && npm pack --silent "google-proto-files@$GOOGLE_PROTO_FILES_VERSION" >/dev/null 2>&1)
tgz="$work/google-proto-files-$GOOGLE_PROTO_FILES_VERSION.tgz"
got=$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)
if [ "$got" != "$GOOGLE_PROTO_FILES_SHA512" ]; then
  echo "google-proto-files tarball integrity mismatch: $got" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$work"
for f in annotations http field_behavior resource client launch_stage; do
  cp "$work/package/google/api/$f.proto" "$dest/google/api/"
done
for f in status error_details code; do
  cp "$work/package/google/rpc/$f.proto" "$dest/google/rpc/"
done
cp "$work/package/LICENSE" "$dest/google/LICENSE"

# protovalidate.
dir=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/bufbuild/protovalidate@$PROTOVALIDATE_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
cp "$dir/proto/protovalidate/buf/validate/validate.proto" "$dest/buf/validate/"
cp "$dir/LICENSE" "$dest/buf/validate/LICENSE"

# grpc-gateway's OpenAPI v2 options.
dir=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/grpc-ecosystem/grpc-gateway/v2@$GRPC_GATEWAY_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
cp "$dir/protoc-gen-openapiv2/options/annotations.proto" "$dir/protoc-gen-openapiv2/options/openapiv2.proto" "$dest/protoc-gen-openapiv2/options/"
cp "$dir/LICENSE" "$dest/protoc-gen-openapiv2/LICENSE"
chmod -R u+w,go-w "$dest"

cat > "$dest/README.md" <<MD
# Vendored third-party protos

Written by \`make vendor-protos\` (tools/vendor-protos.sh); do not edit by hand.

| path | source | licence |
| --- | --- | --- |
| google/api, google/rpc | npm google-proto-files@$GOOGLE_PROTO_FILES_VERSION (a copy of googleapis) | Apache-2.0, google/LICENSE |
| buf/validate | Go module github.com/bufbuild/protovalidate@$PROTOVALIDATE_VERSION | Apache-2.0, buf/validate/LICENSE |
| protoc-gen-openapiv2/options | Go module github.com/grpc-ecosystem/grpc-gateway/v2@$GRPC_GATEWAY_VERSION | BSD-3-Clause, protoc-gen-openapiv2/LICENSE |
MD
echo "vendored into $dest"
