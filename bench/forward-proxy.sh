#!/usr/bin/env bash
# Intercepted download throughput of the forward proxy (issue 23) against the same file through /api/assets/download,
# in one run on one machine: a ratio. Writes bench/results/<date>-forward-proxy.md. Usage: bench/forward-proxy.sh [rounds]
#
# One 100 MiB safetensors file on an emulated Hugging Face Hub (nginx: resolve answers 302 to a CDN origin with
# X-Linked-Etag/-Size) is fetched by curl, one download at a time, alternately
#   - through the forward proxy: CONNECT huggingface.co:443, TLS terminated with a certificate minted from a CA made by
#     `create-ca`, the decrypted request run through the /huggingface enforced route (policy, redirect followed by the
#     gateway, SHA-256 of every byte), re-encrypted to curl;
#   - from /api/assets/download?url=https://huggingface.co/… on the main listener (plain HTTP, the same pipeline).
#   - through the forward proxy as an absolute-form http:// request: the same interception without TLS (the TLS share).
# The median MiB/s of each, and their ratios, are the result.
set -euo pipefail

ROUNDS=${1:-7}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEY=bench-key
KEY_SHA256=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
COMMIT=0123456789abcdef0123456789abcdef01234567
for tool in dotnet nginx curl; do
    command -v "$tool" >/dev/null || { echo "bench/forward-proxy.sh needs $tool" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/gateway-proxy-bench.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
log() { printf '[bench] %s\n' "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

log "Release build"
dotnet build -c Release "$ROOT/proxy" -v q -nologo >/dev/null
dotnet build -c Release "$ROOT/bench/BenchServers" -v q -nologo >/dev/null
GATEWAY_DLL="$ROOT/proxy/bin/Release/net10.0/ModelGateway.dll"
declare -A SIZE SHA
while read -r name size sha; do SIZE[$name]=$size; SHA[$name]=$sha; done \
    < <(dotnet "$ROOT/bench/BenchServers/bin/Release/net10.0/BenchServers.dll" files "$WORK/files" 1)
FILE=100m.safetensors

HUB=$(free_port); CDN=$(free_port); GW=$(free_port); PROXY=$(free_port)
cat >"$WORK/origin.conf" <<EOF
worker_processes 1;
pid $WORK/origin.pid;
error_log $WORK/origin-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    default_type application/octet-stream;
    client_body_temp_path $WORK/body;
    proxy_temp_path $WORK/proxy;
    fastcgi_temp_path $WORK/fastcgi;
    uwsgi_temp_path $WORK/uwsgi;
    scgi_temp_path $WORK/scgi;
    server {
        listen 127.0.0.1:$HUB;
        location = /api/models/bench/model {
            default_type application/json;
            return 200 '{"id":"bench/model","tags":["safetensors"]}';
        }
        location = /bench/model/resolve/main/$FILE {
            add_header X-Linked-Etag '"${SHA[$FILE]}"';
            add_header X-Linked-Size ${SIZE[$FILE]};
            add_header X-Repo-Commit $COMMIT;
            return 302 http://127.0.0.1:$CDN/cdn/$FILE;
        }
    }
    server {
        listen 127.0.0.1:$CDN;
        location /cdn/ { alias $WORK/files/; }
    }
}
EOF
nginx -c "$WORK/origin.conf" -p "$WORK" -g 'daemon off;' &
PIDS+=($!)

dotnet "$GATEWAY_DLL" create-ca "$WORK/ca" >/dev/null
(
    cd "$ROOT"
    export ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$GW" Logging__LogLevel__Default=Warning
    export ApiKeys__0__Name=bench ApiKeys__0__KeySha256="$KEY_SHA256" ApiKeys__0__PermitLimit=1000000000
    export Egress__AllowPrivateNetworks=true Sources__HuggingFace__BaseUrl="http://127.0.0.1:$HUB"
    export ReverseProxy__Clusters__huggingface__Destinations__huggingface__Address="http://127.0.0.1:$HUB/"
    export ForwardProxy__Url="http://127.0.0.1:$PROXY" ForwardProxy__CaCertificate="$WORK/ca/ca.pem" ForwardProxy__CaKey="$WORK/ca/ca.key"
    exec dotnet "$GATEWAY_DLL"
) >"$WORK/gateway.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$GW/healthz/live" && break; sleep 0.2; done

URL="https://huggingface.co/bench/model/resolve/main/$FILE"
ENCODED=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$URL")
through_proxy() {
    curl -s -f -o /dev/null -w '%{size_download} %{speed_download}\n' --cacert "$WORK/ca/ca.pem" \
        --proxy "http://bench:$KEY@127.0.0.1:$PROXY" "$URL"
}
through_proxy_plain() { # absolute-form http:// through the proxy: the same interception without TLS to the client
    curl -s -f -o /dev/null -w '%{size_download} %{speed_download}\n' --proxy "http://bench:$KEY@127.0.0.1:$PROXY" "${URL/https:/http:}"
}
through_endpoint() {
    curl -s -f -o /dev/null -w '%{size_download} %{speed_download}\n' -H "X-API-Key: $KEY" \
        "http://127.0.0.1:$GW/api/assets/download?url=$ENCODED"
}
mib() { awk -v expected="${SIZE[$FILE]}" '{ if ($1 != expected) { print "short download: " $1 > "/dev/stderr"; exit 1 } printf "%.0f\n", $2 / 1048576 }'; }

log "warm-up (JIT): 3 rounds each"
for _ in 1 2 3; do through_proxy >/dev/null; through_proxy_plain >/dev/null; through_endpoint >/dev/null; done
PROXY_MIBS=(); PLAIN_MIBS=(); ENDPOINT_MIBS=()
for round in $(seq 1 "$ROUNDS"); do
    PROXY_MIBS+=("$(through_proxy | mib)")
    PLAIN_MIBS+=("$(through_proxy_plain | mib)")
    ENDPOINT_MIBS+=("$(through_endpoint | mib)")
    log "round $round: intercepted ${PROXY_MIBS[-1]} MiB/s, absolute-form ${PLAIN_MIBS[-1]}, /api/assets/download ${ENDPOINT_MIBS[-1]} MiB/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
P=$(median "${PROXY_MIBS[@]}"); A=$(median "${PLAIN_MIBS[@]}"); E=$(median "${ENDPOINT_MIBS[@]}")
RATIO=$(awk -v p="$P" -v e="$E" 'BEGIN { printf "%.2f", p / e }')
PLAIN_RATIO=$(awk -v p="$A" -v e="$E" 'BEGIN { printf "%.2f", p / e }')

OUT="$ROOT/bench/results/$(date -u +%Y-%m-%d)-forward-proxy.md"
{
    echo "# Forward proxy: intercepted download throughput, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "\`bench/forward-proxy.sh $ROUNDS\` on $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), Release build, one 100 MiB"
    echo "safetensors file from an emulated Hugging Face Hub (302 to a CDN origin), one curl download at a time, $ROUNDS rounds"
    echo "alternating after 3 warm-up rounds each. Both paths run the same pipeline (policy, head check, redirect followed by"
    echo "the gateway, SHA-256 of every byte); the intercepted one adds TLS to the client (a certificate minted from the CA)."
    echo
    echo "| path | median MiB/s | rounds (MiB/s) |"
    echo "|---|---|---|"
    echo "| \`/api/assets/download?url=https://huggingface.co/…\` (plain HTTP, reference) | $E | ${ENDPOINT_MIBS[*]} |"
    echo "| forward proxy: \`curl --proxy … https://huggingface.co/…\` (CONNECT, intercepted) | $P | ${PROXY_MIBS[*]} |"
    echo "| forward proxy: \`curl --proxy … http://huggingface.co/…\` (absolute form: the same interception, no TLS) | $A | ${PLAIN_MIBS[*]} |"
    echo
    echo "**Ratio intercepted / endpoint: ${RATIO}×** (absolute form / endpoint: ${PLAIN_RATIO}×, so the rest is TLS to the client)."
    echo
    echo "Load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared; rounds vary widely)."
} >"$OUT"
log "wrote $OUT"
cat "$OUT"
