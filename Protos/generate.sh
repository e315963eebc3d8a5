#!/usr/bin/env bash
# Regenerates the Swift (swift-protobuf) and C (protobuf-c) code from Protos/*.proto.
#
# protoc-gen-swift is built once from the local swift-protobuf copy into .build-protoc-gen-swift/
# (ignored by git); later runs reuse it. Run this after any change to a .proto file and commit the
# result: the test `ProtoFreshnessTests` fails when Protos/ and the generated code disagree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

swift_protobuf_version="1.39.0"
plugin_dir="$root/.build-protoc-gen-swift"
plugin="$plugin_dir/src/.build/debug/protoc-gen-swift"

command -v protoc >/dev/null || { echo "protoc missing: apt-get install protobuf-compiler" >&2; exit 1; }
command -v protoc-c >/dev/null || { echo "protoc-c missing: apt-get install protobuf-c-compiler" >&2; exit 1; }

if [ ! -x "$plugin" ]; then
  echo "building protoc-gen-swift $swift_protobuf_version (once; several minutes)…"
  rm -rf "$plugin_dir/src"
  mkdir -p "$plugin_dir"
  git clone -q --branch "$swift_protobuf_version" https://github.com/apple/swift-protobuf "$plugin_dir/src"
  # A debug build is enough: generation speed does not matter and it compiles in a third of the time.
  (cd "$plugin_dir/src" && swift build --product protoc-gen-swift)
fi

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
