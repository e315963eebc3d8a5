#!/usr/bin/env bash
# Regenerates the Swift (swift-protobuf) and C (protobuf-c) code from Protos/*.proto.
#
# Run this after any change to a .proto file and commit the result: the test
# `ProtoFreshnessTests` fails when Protos/ and the generated code disagree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# protoc-gen-swift comes from the swift-protobuf this package depends on (so the generated code
# matches the runtime it links), built as a product of this package: seconds after a first build.
command -v protoc >/dev/null || { echo "protoc missing: apt-get install protobuf-compiler" >&2; exit 1; }
command -v protoc-c >/dev/null || { echo "protoc-c missing: apt-get install protobuf-c-compiler" >&2; exit 1; }
swift build --product protoc-gen-swift >/dev/null
plugin="$(swift build --show-bin-path)/protoc-gen-swift"

swift_out="Libraries/Protos/Generated"
rpc_out="Libraries/RPC/Generated"   # the frame payloads belong to the RPC library itself
c_out="Libraries/Probe/generated"
rm -rf "$c_out" && mkdir -p "$swift_out" "$rpc_out" "$c_out"
rm -f "$swift_out"/*.pb.swift "$rpc_out"/*.pb.swift

protos=(Protos/imageswiss/*/v1/*.proto)
service_protos=()
for p in "${protos[@]}"; do [[ "$p" == */rpc/v1/* ]] || service_protos+=("$p"); done
gen_swift() {
  local out="$1"; shift
  protoc --proto_path=Protos --plugin=protoc-gen-swift="$plugin" \
    --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores \
    --swift_out="$out" "$@"
}
gen_swift "$rpc_out" Protos/imageswiss/rpc/v1/rpc.proto
gen_swift "$swift_out" "${service_protos[@]}"
# The C probe needs only the frame payloads and the health service.
protoc-c --proto_path=Protos --c_out="$c_out" Protos/imageswiss/rpc/v1/rpc.proto Protos/imageswiss/health/v1/health.proto

# Record what the generated code was made from; ProtoFreshnessTests compares against it.
(for p in "${protos[@]}"; do sha256sum "$p"; done) > "$swift_out/PROTO_SOURCES.sha256"
echo "generated: $(ls "$swift_out"/*.pb.swift "$rpc_out"/*.pb.swift | wc -l) Swift files, $(find "$c_out" -name '*.pb-c.c' | wc -l) C files"
