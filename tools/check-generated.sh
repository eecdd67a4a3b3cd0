#!/usr/bin/env bash
# Regenerates into a scratch directory and compares with what is committed:
# generated code must always be what `make generate` makes from proto/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUF=${BUF:-.tools/bin/buf}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BUF" generate -o "$tmp"
"$BUF" generate --template buf.gen.openapi.yaml -o "$tmp"
# The category glue is generated from the (committed) descriptors.
go run ./pkg/cmd/gencategory -root "$tmp"
status=0
# Every file the generators make must be committed unchanged...
while IFS= read -r f; do
  rel=${f#"$tmp"/}
  if ! cmp -s "$f" "$rel"; then
    echo "stale generated file: $rel (run make generate)"
    status=1
  fi
done < <(find "$tmp" -type f)
# ...and no generated file may be left over from a deleted proto.
while IFS= read -r f; do
  if [ ! -f "$tmp/$f" ]; then
    echo "generated file without a source: $f (run make generate)"
    status=1
  fi
done < <(find proto/unimesh gateway/openapi services -type f \( -name '*.pb.go' -o -name '*.pb.gw.go' -o -name '*.swagger.json' -o -name '*_gen.go' \))
exit $status
