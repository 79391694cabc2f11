#!/usr/bin/env bash
# The library (issue 20) measured in one run on one machine, as ratios to references from the same run:
#   - a cached download (X-Cache-Status: HIT, served from the directory store) vs nginx serving the same file from
#     disk with sendfile;
#   - a cold download teed into the store (MISS, every byte written to the store and hashed) vs the same download
#     with Library:CacheDownloads=false (streamed and hashed only), both from an emulated Hugging Face Hub + CDN (nginx).
# One stream at a time (curl), the median of RUNS runs after WARM runs. Writes bench/results/library-<date>.md.
# Usage: bench/library.sh [--quick]   (needs dotnet, nginx, curl)
set -euo pipefail

QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
if ((QUICK)); then RUNS=3; WARM=2; GIB=1; SUFFIX=-quick; FLAG=" --quick"; else RUNS=7; WARM=5; GIB=2; SUFFIX=; FLAG=; fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEY=bench-key
KEY_SHA256=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
for tool in dotnet nginx curl; do
    command -v "$tool" >/dev/null || { echo "bench/library.sh needs $tool (apt-get install -y nginx curl)" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/gateway-library-bench.XXXXXX)
chmod 755 "$WORK" # nginx workers run as another user
PIDS=()
cleanup() {
    [[ -n "${KEEP_LOGS:-}" ]] && cp "$WORK"/*.log "$KEEP_LOGS"/ 2>/dev/null
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
log() { printf '[library-bench] %s\n' "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || shuf -i 20000-60000 -n 1; }
wait_http() { for _ in $(seq 1 150); do curl -s -o /dev/null -m 5 "$1" && return 0; sleep 0.2; done; echo "nothing answers at $1" >&2; exit 1; }

log "Release build"
dotnet build -c Release "$ROOT/proxy" -v q -nologo >/dev/null
dotnet build -c Release "$ROOT/bench/BenchServers" -v q -nologo >/dev/null
GATEWAY_DLL="$ROOT/proxy/bin/Release/net10.0/ModelGateway.dll"
SERVERS_DLL="$ROOT/bench/BenchServers/bin/Release/net10.0/BenchServers.dll"

log "generating a ${GIB} GiB safetensors file under $WORK/files"
declare -A SIZE SHA
while read -r name size sha; do SIZE[$name]=$size; SHA[$name]=$sha; done < <(dotnet "$SERVERS_DLL" files "$WORK/files" "$GIB")
FILE=big.safetensors
# The generator writes it sparse: make every block real, so both sides read the same page-cached bytes.
cp --sparse=never "$WORK/files/$FILE" "$WORK/files/$FILE.full" && mv "$WORK/files/$FILE.full" "$WORK/files/$FILE"

HUB=$(free_port); CDN=$(free_port); STATIC=$(free_port); GW_TEE=$(free_port); GW_PLAIN=$(free_port)
cat >"$WORK/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    client_body_temp_path $WORK/body; proxy_temp_path $WORK/proxy; fastcgi_temp_path $WORK/fastcgi;
    uwsgi_temp_path $WORK/uwsgi; scgi_temp_path $WORK/scgi;
    server {
        listen 127.0.0.1:$HUB;
        location = /api/models/bench/model {
            default_type application/json;
            return 200 '{"id":"bench/model","pipeline_tag":"text-to-image","library_name":"diffusers","tags":["diffusers"]}';
        }
        location = /bench/model/resolve/main/$FILE {
            add_header X-Linked-Etag '"${SHA[$FILE]}"';
            add_header X-Linked-Size ${SIZE[$FILE]};
            add_header X-Repo-Commit 0123456789abcdef0123456789abcdef01234567;
            return 302 http://127.0.0.1:$CDN/cdn/$FILE;
        }
    }
    server { listen 127.0.0.1:$CDN; location /cdn/ { alias $WORK/files/; } }
    # The reference for a cached download: the same file from disk, sendfile.
    server { listen 127.0.0.1:$STATIC; location /files/ { root $WORK; } }
}
EOF
nginx -t -q -c "$WORK/nginx.conf" -p "$WORK"
nginx -c "$WORK/nginx.conf" -p "$WORK" -g 'daemon off;' &
PIDS+=($!)

start_gateway() { # port cache-downloads log-name
    (
        cd "$ROOT"
        export ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$1" Logging__LogLevel__Default=Warning
        export ApiKeys__0__Name=bench ApiKeys__0__KeySha256="$KEY_SHA256" ApiKeys__0__PermitLimit=1000000000
        export Egress__AllowPrivateNetworks=true Sources__HuggingFace__BaseUrl="http://127.0.0.1:$HUB"
        export Library__Path="$WORK/library-$3" Library__CacheDownloads="$2" Library__MinFreeSpaceGB=0
        exec dotnet "$GATEWAY_DLL"
    ) >"$WORK/$3.log" 2>&1 &
    PIDS+=($!)
}
start_gateway "$GW_TEE" true tee
start_gateway "$GW_PLAIN" false plain
for url in "http://127.0.0.1:$STATIC/files/1k.bin" "http://127.0.0.1:$GW_TEE/healthz/live" "http://127.0.0.1:$GW_PLAIN/healthz/live"; do
    wait_http "$url"
done

URL=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' \
    "https://huggingface.co/bench/model/resolve/main/$FILE" 2>/dev/null \
    || printf 'https%%3A%%2F%%2Fhuggingface.co%%2Fbench%%2Fmodel%%2Fresolve%%2Fmain%%2F%s' "$FILE")
# one download: "MiB/s X-Cache-Status" (checks the status and the length)
fetch() { # url [key]
    local out
    out=$(curl -s -o /dev/null ${2:+-H "X-API-Key: $2"} -D "$WORK/headers" -w '%{http_code} %{size_download} %{speed_download}' "$1")
    read -r code size speed <<<"$out"
    [[ "$code" == 200 && "$size" == "${SIZE[$FILE]}" ]] || { echo "bad download of $1: $out" >&2; exit 1; }
    local status; status=$(awk 'tolower($1) == "x-cache-status:" { gsub(/\r/, ""); print $2 }' "$WORK/headers")
    awk -v s="$speed" -v c="${status:--}" 'BEGIN { printf "%.0f %s\n", s / 1048576, c }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
declare -A MIBS
# series id warm-runs runs command...: the median MiB/s of the measured runs; every run's cache status is kept
series() {
    local id=$1 warm=$2 runs=$3; shift 3
    for _ in $(seq 1 "$warm"); do "$@" >/dev/null; done
    : >"$WORK/$id.txt"
    for _ in $(seq 1 "$runs"); do "$@" >>"$WORK/$id.txt"; done
    MIBS[$id]=$(awk '{ print $1 }' "$WORK/$id.txt" | median)
    log "$(printf '%-8s median %6s MiB/s  runs: %s' "$id" "${MIBS[$id]}" "$(tr '\n' ' ' <"$WORK/$id.txt")")"
}
BLOB="$WORK/library-tee/blobs/sha256/${SHA[$FILE]:0:2}/${SHA[$FILE]}"
wait_blob() { for _ in $(seq 1 200); do [[ -f "$BLOB" ]] && return 0; sleep 0.05; done; echo "the fill was not published" >&2; exit 1; }
# The fill is published just after the client got its last byte: wait for it, then remove it for the next cold run.
cold_tee() { fetch "http://127.0.0.1:$GW_TEE/api/assets/download?url=$URL" "$KEY"; wait_blob; rm -f "$BLOB"; }
plain() { fetch "http://127.0.0.1:$GW_PLAIN/api/assets/download?url=$URL" "$KEY"; }
hit() { fetch "http://127.0.0.1:$GW_TEE/api/assets/download?url=$URL" "$KEY"; }
static() { fetch "http://127.0.0.1:$STATIC/files/$FILE"; }

log "cold downloads: teed into the store vs not stored"
series tee "$WARM" "$RUNS" cold_tee
series plain "$WARM" "$RUNS" plain
log "cached downloads vs nginx sendfile"
fetch "http://127.0.0.1:$GW_TEE/api/assets/download?url=$URL" "$KEY" >/dev/null # the fill
series hit "$WARM" "$RUNS" hit
series nginx "$WARM" "$RUNS" static
grep -q ' MISS$' "$WORK/tee.txt" && ! grep -vq ' MISS$' "$WORK/tee.txt" || { echo "a cold tee run was not a MISS" >&2; exit 1; }
! grep -vq ' HIT$' "$WORK/hit.txt" || { echo "a cached run was not a HIT" >&2; exit 1; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f×", a / b }'; }
mkdir -p "$ROOT/bench/results"
OUT="$ROOT/bench/results/library-$(date -u +%F)$SUFFIX.md"
{
    echo "# Library benchmark, $(date -u '+%F %H:%M') UTC"
    echo
    echo "\`bench/library.sh$FLAG\` on $(nproc) cores ($(uname -m)), one ${GIB} GiB safetensors file (${SIZE[$FILE]} bytes),"
    echo "one stream at a time with curl, median of $RUNS runs after $WARM warm-up runs, page cache warm. Ratios are to the"
    echo "reference measured in this run."
    echo
    echo "| download | MiB/s (median) | reference | ratio |"
    echo "|---|---|---|---|"
    echo "| cached: \`/api/assets/download\`, \`X-Cache-Status: HIT\` (directory store) | ${MIBS[hit]} | nginx \`sendfile\` of the same file: ${MIBS[nginx]} | $(ratio "${MIBS[hit]}" "${MIBS[nginx]}") |"
    echo "| cold, teed into the store (\`MISS\`, written + hashed by the fill, hashed by the copy) | ${MIBS[tee]} | the same download, \`Library:CacheDownloads=false\`: ${MIBS[plain]} | $(ratio "${MIBS[tee]}" "${MIBS[plain]}") |"
    echo
    echo "Runs (MiB/s and X-Cache-Status): tee \`$(tr '\n' ' ' <"$WORK/tee.txt")\`, plain \`$(tr '\n' ' ' <"$WORK/plain.txt")\`,"
    echo "hit \`$(tr '\n' ' ' <"$WORK/hit.txt")\`, nginx \`$(tr '\n' ' ' <"$WORK/nginx.txt")\`."
} >"$OUT"
log "wrote $OUT"
cat "$OUT"
