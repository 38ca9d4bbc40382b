#!/usr/bin/env bash
# Dependencies, timed side by side against one local registry.
#
#   scripts/bench-deps.sh [-r RUNS]
#
# Starts `protolith registry serve` on 127.0.0.1 (a free port), pushes the
# googleapis corpus (.refs/googleapis-6.0.1, well-known types excluded, as
# the registry's googleapis module has them) as REG/googleapis/googleapis and
# protovalidate's schema (testdata/protovalidate) as REG/bufbuild/protovalidate,
# then times, for buf and protolith, on a consumer module that imports from
# both:
#   cold:  `dep update` plus `build`, each run on an empty cache;
#   warm:  `build` with the cache filled;
#   local: `build` of the same files as local modules of one workspace (no
#          registry), the baseline a warm build is compared with.
# Prints median wall time and max RSS per tool and step, then
#   cold speed buf/protolith, warm speed, and protolith warm/local (the cost
#   of reading deps from the cache), and a `BENCH` line for scripts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=3
while [[ $# -gt 0 ]]; do
    case "$1" in
        -r|--runs) runs="$2"; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "bench-deps.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
BUF="${BUF:-$ROOT/.refs/bin/buf}"
P="${PROTOLITH:-$ROOT/target/release/protolith}"
GA="$ROOT/.refs/googleapis-6.0.1"
[[ -x "$BUF" && -d "$GA" ]] || "$ROOT/scripts/refs.sh" >/dev/null
[[ -x "$P" ]] || (cd "$ROOT" && cargo build --release)
TIME=/usr/bin/time
"$TIME" -f '%e %M' true >/dev/null 2>&1 || { echo "bench-deps.sh: needs GNU time (apt-get install time)" >&2; exit 2; }

W="$(mktemp -d "${TMPDIR:-/tmp}/bench-deps.XXXXXX")"
cleanup() { [[ -n "${SERVER:-}" ]] && kill "$SERVER" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
mkdir -p "$W/cfg" "$W/home"
printf 'version: v1\ntls:\n  use: false\n' > "$W/cfg/config.yaml"
export BUF_CONFIG_DIR="$W/cfg" NETRC="$W/netrc" HOME="$W/home" NO_COLOR=1 PROTOLITH_NO_CACHE=1
"$P" registry serve --listen 127.0.0.1:0 --data "$W/data" --exit-after 3600 > "$W/serve.out" 2> "$W/serve.err" &
SERVER=$!
for _ in $(seq 50); do grep -q listening "$W/serve.out" 2>/dev/null && break; sleep 0.1; done
REG="$(sed -n 's#^listening on http://##p' "$W/serve.out")"
[[ -n "$REG" ]] || { cat "$W/serve.err" >&2; exit 1; }

# The modules, pushed with protolith.
mkdir -p "$W/googleapis" "$W/protovalidate"
cp -r "$GA"/. "$W/googleapis/"
rm -rf "$W/googleapis/google/protobuf"
printf 'version: v2\nname: %s/googleapis/googleapis\n' "$REG" > "$W/googleapis/buf.yaml"
cp -r "$ROOT/testdata/protovalidate/buf" "$W/protovalidate/"
printf 'version: v2\nname: %s/bufbuild/protovalidate\n' "$REG" > "$W/protovalidate/buf.yaml"
t0=$(date +%s.%N)
(cd "$W/googleapis" && BUF_CACHE_DIR="$W/pushcache" "$P" push --create >/dev/null)
(cd "$W/protovalidate" && BUF_CACHE_DIR="$W/pushcache" "$P" push --create >/dev/null)
echo "pushed googleapis and protovalidate to $REG in $(echo "$(date +%s.%N) - $t0" | bc) s"

# The consumer: services of a few large APIs, annotated with protovalidate.
consumer() {
    local dir="$1"
    mkdir -p "$dir/acme/v1"
    cat > "$dir/acme/v1/api.proto" <<'PROTO'
syntax = "proto3";
package acme.v1;
import "buf/validate/validate.proto";
import "google/api/annotations.proto";
import "google/cloud/aiplatform/v1/prediction_service.proto";
import "google/cloud/compute/v1/compute.proto";
import "google/ads/googleads/v22/services/google_ads_service.proto";
message Ask {
  string name = 1 [(buf.validate.field).string.min_len = 1];
  google.cloud.aiplatform.v1.PredictRequest predict = 2;
  google.cloud.compute.v1.Instance instance = 3;
  google.ads.googleads.v22.services.SearchGoogleAdsRequest search = 4;
}
service Acme {
  rpc Get(Ask) returns (Ask) { option (google.api.http) = { get: "/v1/{name=*}" }; }
}
PROTO
}
consumer "$W/consumer"
printf 'version: v2\ndeps:\n  - %s/googleapis/googleapis\n  - %s/bufbuild/protovalidate\n' "$REG" "$REG" > "$W/consumer/buf.yaml"
# The same files as local modules of one workspace.
mkdir -p "$W/local"
consumer "$W/local/consumer"
cp -r "$W/googleapis" "$W/local/googleapis"; rm "$W/local/googleapis/buf.yaml"
cp -r "$W/protovalidate" "$W/local/protovalidate"; rm "$W/local/protovalidate/buf.yaml"
printf 'version: v2\nmodules:\n  - path: consumer\n  - path: googleapis\n  - path: protovalidate\n' > "$W/local/buf.yaml"

# measure TOOL LABEL CMD...: one timed run; prints "secs kb".
measure() {
    "$TIME" -f '%e %M' -o "$W/t" "$@" > /dev/null 2> "$W/err" || { cat "$W/err" >&2; exit 1; }
    cat "$W/t"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
max() { sort -n | tail -1; }

declare -A T M
for tool in buf protolith; do
    bin="$BUF"; [[ $tool == protolith ]] && bin="$P"
    for i in $(seq "$runs"); do
        cache="$W/cache-$tool-$i"
        rm -rf "$cache" "$W/consumer/buf.lock"
        r1=$(cd "$W/consumer" && BUF_CACHE_DIR="$cache" measure "$bin" dep update)
        r2=$(cd "$W/consumer" && BUF_CACHE_DIR="$cache" measure "$bin" build -o "$W/out-$tool.binpb")
        echo "$(echo "$r1 $r2" | awk '{print $1+$3, ($2>$4?$2:$4)}')" >> "$W/cold-$tool"
        (cd "$W/consumer" && BUF_CACHE_DIR="$cache" measure "$bin" build -o "$W/out-$tool.binpb") >> "$W/warm-$tool"
        (cd "$W/local" && BUF_CACHE_DIR="$cache" measure "$bin" build consumer -o "$W/local-$tool.binpb") >> "$W/local-$tool"
    done
    for step in cold warm local; do
        T[$step-$tool]=$(cut -d' ' -f1 "$W/$step-$tool" | median)
        M[$step-$tool]=$(cut -d' ' -f2 "$W/$step-$tool" | max)
        printf '%-10s %-6s %6.2f s %8.0f MB\n' "$tool" "$step" "${T[$step-$tool]}" "$(echo "${M[$step-$tool]}/1024" | bc)"
    done
done
cmp -s "$W/out-buf.binpb" "$W/out-protolith.binpb" && echo "images: identical" || echo "images: DIFFER"
ratio() { echo "scale=2; $1 / $2" | bc; }
echo "cold (dep update + build) speed: buf/protolith = $(ratio "${T[cold-buf]}" "${T[cold-protolith]}")x"
echo "warm build speed:                buf/protolith = $(ratio "${T[warm-buf]}" "${T[warm-protolith]}")x"
echo "protolith warm/local:            $(ratio "${T[warm-protolith]}" "${T[local-protolith]}")"
echo "memory cold: protolith/buf = $(ratio "${M[cold-protolith]}" "${M[cold-buf]}")"
echo "BENCH cold_buf=${T[cold-buf]} cold_protolith=${T[cold-protolith]} warm_buf=${T[warm-buf]} warm_protolith=${T[warm-protolith]} local_protolith=${T[local-protolith]}"
