#!/usr/bin/env bash
# Regenerates Sources/OTLPProto from proto/ with protoc (Debian's protobuf-compiler) and
# protoc-gen-swift built from the same swift-protobuf version Package.swift pins.
# The SwiftPM build plugin is avoided on purpose: it compiles a vendored protoc (about 10 minutes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v protoc >/dev/null || apt-get install -y protobuf-compiler
tools="$root/.build-protoc"
if [ -n "${PROTOC_GEN_SWIFT:-}" ]; then plugin="$PROTOC_GEN_SWIFT"; else
mkdir -p "$tools/Sources/dummy"
cat > "$tools/Package.swift" <<'PKG'
// swift-tools-version:6.0
import PackageDescription
let package = Package(name: "protoc-tools",
  dependencies: [.package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0")],
  targets: [.target(name: "dummy")])
PKG
echo "" > "$tools/Sources/dummy/d.swift"
(cd "$tools" && swift build -c release --product protoc-gen-swift)
plugin="$tools/.build/release/protoc-gen-swift"
fi
out="$root/Sources/OTLPProto"
rm -f "$out"/*.pb.swift
cd "$root/proto"
protoc --plugin=protoc-gen-swift="$plugin" --swift_out="$out" --swift_opt=Visibility=Public \
  opentelemetry/proto/common/v1/common.proto \
  opentelemetry/proto/resource/v1/resource.proto \
  opentelemetry/proto/trace/v1/trace.proto \
  opentelemetry/proto/collector/trace/v1/trace_service.proto \
  opentelemetry/proto/logs/v1/logs.proto \
  opentelemetry/proto/collector/logs/v1/logs_service.proto \
  opentelemetry/proto/metrics/v1/metrics.proto \
  opentelemetry/proto/collector/metrics/v1/metrics_service.proto
# Flatten the output: one module, distinct file names.
find "$out" -name '*.pb.swift' -mindepth 2 | while read -r f; do
  mv "$f" "$out/$(echo "${f#$out/}" | tr '/' '_' | sed 's/^opentelemetry_proto_//')"
done
find "$out" -mindepth 1 -type d -empty -delete
echo "generated: $(ls "$out")"
