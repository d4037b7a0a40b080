#!/bin/sh
# Lays out the Swift sources by .swift-format (layout only; no lint rules). Generated code
# (Sources/OTLPProto, from proto/generate.sh) keeps the generator's layout.
# `scripts/format.sh --check` fails if anything would change.
set -eu
cd "$(dirname "$0")/.."
files=$(find Sources Tests -name '*.swift' -not -path 'Sources/OTLPProto/*' | sort)
if [ "${1:-}" = "--check" ]; then
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
    status=0
    for f in $files; do
        swift format --configuration .swift-format "$f" > "$out/formatted"
        cmp -s "$f" "$out/formatted" || { echo "format.sh: $f is not formatted"; status=1; }
    done
    exit $status
fi
swift format --configuration .swift-format --in-place $files
