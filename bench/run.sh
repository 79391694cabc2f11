#!/usr/bin/env bash
# The gateway side by side with what an admin would pick instead, measured in one run on one machine: nginx
# proxy_pass, a trivial ASP.NET endpoint, a bare YARP. Every figure is a ratio to its reference from this run.
# Writes bench/results/<date>.md (see bench/README.md). Usage: bench/run.sh [--quick] [--no-micro]
#   --quick     a short smoke run (1 s warm-up, 3 s per scenario, a 1 GiB stream, BenchmarkDotNet's dry job)
#   --no-micro  skip the BenchmarkDotNet micro-benchmarks
set -euo pipefail

QUICK=0
MICRO=1
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        --no-micro) MICRO=0 ;;
        *) echo "Usage: bench/run.sh [--quick] [--no-micro]" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# JIT_WARMUP: each .NET server's hot paths under load first — on 2 busy cores, tiered compilation and dynamic PGO take
# ~40 s to reach steady throughput. WARMUP: before each measured scenario.
if ((QUICK)); then JIT_WARMUP=3s; WARMUP=1s; DURATION=3s; BIG_GIB=1; STREAM_DURATION=3s
else JIT_WARMUP=40s; WARMUP=3s; DURATION=10s; BIG_GIB=10; STREAM_DURATION=10s; fi
CONNECTIONS=32
DELAY_MS=1000
STAMPEDE_CALLERS=32
KEY=bench-key
KEY_SHA256=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)

for tool in dotnet nginx redis-server wrk curl; do
    command -v "$tool" >/dev/null || { echo "bench/run.sh needs $tool (apt-get install -y nginx redis-server wrk curl)" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/gateway-bench.XXXXXX)
chmod 755 "$WORK" # nginx workers run as another user
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

log() { printf '[bench] %s\n' "$*" >&2; }

used_ports=" "
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 20000))
        if [[ "$used_ports" != *" $port "* ]] && ! ss -Htln "sport = :$port" | grep -q .; then
            used_ports+="$port "
            echo "$port"
            return
        fi
    done
}

wait_http() { # url [header]: until it answers at all (the delaying origin takes DELAY_MS)
    for _ in $(seq 1 150); do
        if curl -s -o /dev/null -m 5 ${2:+-H "$2"} "$1"; then return 0; fi
        sleep 0.2
    done
    echo "nothing answers at $1" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------------------- build
log "Release build"
dotnet build -c Release "$ROOT/proxy" -v q -nologo >/dev/null
dotnet build -c Release "$ROOT/bench/BenchServers" -v q -nologo >/dev/null
GATEWAY_DLL="$ROOT/proxy/bin/Release/net10.0/ModelGateway.dll"
SERVERS_DLL="$ROOT/bench/BenchServers/bin/Release/net10.0/BenchServers.dll"

log "generating the origin's files under $WORK/files (a ${BIG_GIB} GiB sparse safetensors file among them)"
declare -A SIZE SHA
while read -r name size sha; do SIZE[$name]=$size; SHA[$name]=$sha; done < <(dotnet "$SERVERS_DLL" files "$WORK/files" "$BIG_GIB")

# ---------------------------------------------------------------------------------------------------------- servers
REDIS_PORT=$(free_port); ORIGIN=$(free_port); HUB=$(free_port); CDN=$(free_port); NGINX_PROXY=$(free_port)
DELAY=$(free_port); TRIVIAL=$(free_port); YARP=$(free_port); GW_MEM=$(free_port); GW_REDIS=$(free_port); GW_REDIS2=$(free_port)
COMMIT=0123456789abcdef0123456789abcdef01234567

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --loglevel warning \
    --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)

nginx_common() { # name
    cat <<EOF
worker_processes auto;
pid $WORK/$1.pid;
error_log $WORK/$1-error.log warn;
events { worker_connections 4096; }
EOF
}
nginx_http_common() { # name
    cat <<EOF
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000000;
    default_type application/octet-stream;
    client_body_temp_path $WORK/$1-body;
    proxy_temp_path $WORK/$1-proxy;
    fastcgi_temp_path $WORK/$1-fastcgi;
    uwsgi_temp_path $WORK/$1-uwsgi;
    scgi_temp_path $WORK/$1-scgi;
EOF
}

hub_file() { # name: a Hugging Face resolve URL as the Hub answers it for an LFS file (302 to the CDN, X-Linked-*)
    cat <<EOF
        location = /bench/model/resolve/main/$1 {
            add_header X-Linked-Etag '"${SHA[$1]}"';
            add_header X-Linked-Size ${SIZE[$1]};
            add_header X-Repo-Commit $COMMIT;
            return 302 http://127.0.0.1:$CDN/cdn/$1;
        }
EOF
}

# The origin (files; a /stampede/ path logged and answered by the delaying origin), an emulated Hugging Face Hub and
# its CDN (another origin, as on the real Hub).
cat >"$WORK/origin.conf" <<EOF
$(nginx_common origin)
http {
$(nginx_http_common origin)
    log_format bench '\$request_method \$uri \$status';
    server {
        listen 127.0.0.1:$ORIGIN;
        location /files/ { root $WORK; }
        location /stampede/ {
            access_log $WORK/stampede.log bench;
            proxy_pass http://127.0.0.1:$DELAY;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
    server {
        listen 127.0.0.1:$HUB;
        location = /api/models/bench/model {
            default_type application/json;
            return 200 '{"id":"bench/model","pipeline_tag":"text-to-image","library_name":"diffusers","tags":["diffusers","text-to-image"]}';
        }
$(hub_file 100m.safetensors)
$(hub_file big.safetensors)
    }
    server {
        listen 127.0.0.1:$CDN;
        location /cdn/ { alias $WORK/files/; }
    }
}
EOF

# The reference for forwarding: nginx proxy_pass, configured as deploy/nginx.conf streams (keep-alive, no buffering).
cat >"$WORK/proxy.conf" <<EOF
$(nginx_common proxy)
http {
$(nginx_http_common proxy)
    upstream origin {
        server 127.0.0.1:$ORIGIN;
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$NGINX_PROXY;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_max_temp_file_size 0;
        }
    }
}
EOF
for conf in origin proxy; do
    nginx -t -q -c "$WORK/$conf.conf" -p "$WORK" 2>"$WORK/$conf-test.log" || { cat "$WORK/$conf-test.log" >&2; exit 1; }
    nginx -c "$WORK/$conf.conf" -p "$WORK" -g 'daemon off;' &
    PIDS+=($!)
done

dotnet "$SERVERS_DLL" delay "$DELAY" "$DELAY_MS" "$WORK/files/model.safetensors" >"$WORK/delay.log" 2>&1 &
PIDS+=($!)
dotnet "$SERVERS_DLL" trivial "$TRIVIAL" >"$WORK/trivial.log" 2>&1 &
PIDS+=($!)
dotnet "$SERVERS_DLL" yarp "$YARP" "http://127.0.0.1:$ORIGIN/" >"$WORK/yarp.log" 2>&1 &
PIDS+=($!)

GW_PID=""
start_gateway() { # port redis-connection-string log-name: sets GW_PID
    (
        cd "$ROOT"
        export ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$1"
        export Logging__LogLevel__Default=Warning
        export ApiKeys__0__Name=bench ApiKeys__0__KeySha256="$KEY_SHA256" ApiKeys__0__PermitLimit=1000000000
        # One key drives every scenario: its probe and stream budgets must never refuse (the bench measures work).
        export Probes__MaxConcurrentPerKey=10000 Probes__MaxConcurrent=10000 Downloads__MaxConcurrentPerKey=1000
        export Egress__AllowPrivateNetworks=true
        export Sources__HuggingFace__BaseUrl="http://127.0.0.1:$HUB"
        export ReverseProxy__Routes__bench__ClusterId=bench ReverseProxy__Routes__bench__AuthorizationPolicy=ApiKey
        export ReverseProxy__Routes__bench__RateLimiterPolicy=per-key ReverseProxy__Routes__bench__Match__Path='/bench/{**rest}'
        export ReverseProxy__Routes__bench__Transforms__0__PathRemovePrefix=/bench
        export ReverseProxy__Clusters__bench__Destinations__origin__Address="http://127.0.0.1:$ORIGIN/"
        export ConnectionStrings__Redis="$2"
        exec dotnet "$GATEWAY_DLL"
    ) >"$WORK/$3.log" 2>&1 &
    GW_PID=$!
    PIDS+=("$GW_PID")
}
start_gateway "$GW_MEM" "" gateway-memory; GW_MEM_PID=$GW_PID
start_gateway "$GW_REDIS" "127.0.0.1:$REDIS_PORT" gateway-redis; GW_REDIS_PID=$GW_PID

for url in "http://127.0.0.1:$ORIGIN/files/1k.bin" "http://127.0.0.1:$NGINX_PROXY/files/1k.bin" "http://127.0.0.1:$HUB/api/models/bench/model" \
    "http://127.0.0.1:$DELAY/" "http://127.0.0.1:$TRIVIAL/" "http://127.0.0.1:$YARP/files/1k.bin" \
    "http://127.0.0.1:$GW_MEM/healthz/live" "http://127.0.0.1:$GW_REDIS/healthz/ready"; do
    wait_http "$url"
done
log "all servers up"

# ---------------------------------------------------------------------------------------------------------- measuring
urlencode() { # no jq or python needed
    local s="$1" out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case "$c" in [a-zA-Z0-9.~_-]) out+="$c" ;; *) out+=$(printf '%%%02X' "'$c") ;; esac
    done
    printf '%s' "$out"
}
MODEL_URL=$(urlencode "http://127.0.0.1:$ORIGIN/files/model.safetensors")
HF_URL() { urlencode "https://huggingface.co/bench/model/resolve/main/$1"; }

to_ms() { # wrk's 420.00us / 1.20ms / 2.00s
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n *= 1; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
to_mib() { # wrk's 5.00MB / 800.00KB / 1.10GB per second → MiB/s
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /GB$/) n *= 1024; else if (v ~ /KB$/) n /= 1024; else if (v ~ /MB$/) n *= 1; else n /= 1048576; printf "%.0f", n }'
}

declare -A RPS P50 P99 MIBS ERRS
# measure id connections duration url [header]: a warm-up run, then the measured one.
measure() {
    local id=$1 connections=$2 duration=$3 url=$4 header=${5:-}
    local -a extra=()
    [[ -n "$header" ]] && extra=(-H "$header")
    wrk -t1 -c"$connections" -d"$WARMUP" "${extra[@]}" "$url" >/dev/null
    wrk -t1 -c"$connections" -d"$duration" --latency "${extra[@]}" "$url" >"$WORK/wrk-$id.txt"
    RPS[$id]=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$WORK/wrk-$id.txt")
    P50[$id]=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$WORK/wrk-$id.txt")")
    P99[$id]=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$WORK/wrk-$id.txt")")
    MIBS[$id]=$(to_mib "$(awk '/^Transfer\/sec:/ { print $2 }' "$WORK/wrk-$id.txt")")
    ERRS[$id]=$(awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$WORK/wrk-$id.txt")
    log "$(printf '%-22s %8s req/s  p50 %6s ms  p99 %7s ms  %6s MiB/s  errors %s' "$id" "${RPS[$id]}" "${P50[$id]}" "${P99[$id]}" "${MIBS[$id]}" "${ERRS[$id]}")"
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
declare -A RSS_START RSS_PEAK RSS_END HWM STREAM_MIBS STREAM_OK
# stream_rss id pid url: one curl of the big file while sampling the gateway's RSS every 0.2 s.
stream_rss() {
    local id=$1 pid=$2 url=$3 peak start sample
    echo 5 >"/proc/$pid/clear_refs" # resets VmHWM: the peak is this stream's
    start=$(rss_kib "$pid"); peak=$start
    curl -s -o /dev/null -H "X-API-Key: $KEY" -w '%{http_code} %{size_download} %{speed_download}\n' "$url" >"$WORK/curl-$id.txt" &
    local curl_pid=$!
    while kill -0 "$curl_pid" 2>/dev/null; do
        sample=$(rss_kib "$pid"); ((sample > peak)) && peak=$sample
        sleep 0.2
    done
    wait "$curl_pid" || true
    RSS_START[$id]=$((start / 1024)); RSS_PEAK[$id]=$((peak / 1024)); RSS_END[$id]=$(($(rss_kib "$pid") / 1024)); HWM[$id]=$(($(hwm_kib "$pid") / 1024))
    read -r status bytes speed <"$WORK/curl-$id.txt"
    STREAM_MIBS[$id]=$(awk -v s="$speed" 'BEGIN { printf "%.0f", s / 1048576 }')
    STREAM_OK[$id]=$([[ "$status" == 200 && "$bytes" == "${SIZE[big.safetensors]}" ]] && echo "$status, all $bytes bytes" || echo "FAILED: $status, $bytes bytes")
    log "$(printf '%-22s RSS start %s MB, peak %s MB, end %s MB, VmHWM %s MB, %s MiB/s (%s)' "$id" "${RSS_START[$id]}" "${RSS_PEAK[$id]}" "${RSS_END[$id]}" "${HWM[$id]}" "${STREAM_MIBS[$id]}" "${STREAM_OK[$id]}")"
}

H="X-API-Key: $KEY"
G=http://127.0.0.1:$GW_MEM
R=http://127.0.0.1:$GW_REDIS

# Memory over a big stream first, on a gateway that has served nothing else yet (the load scenarios grow its heap).
curl -s -o /dev/null -H "$H" "$G/bench/files/1k.bin"
curl -s -o /dev/null -H "$H" "$G/api/assets/remote-metadata?url=$(HF_URL big.safetensors)"
stream_rss forwarded-big "$GW_MEM_PID" "$G/bench/files/big.safetensors"
stream_rss download-big "$GW_MEM_PID" "$G/api/assets/download?url=$(HF_URL big.safetensors)"

log "JIT warm-up: $JIT_WARMUP on each .NET server's measured paths"
for url in "http://127.0.0.1:$TRIVIAL/" "http://127.0.0.1:$YARP/files/1k.bin"; do
    wrk -t1 -c"$CONNECTIONS" -d"$JIT_WARMUP" "$url" >/dev/null
done
for url in "$G/api/assets/remote-metadata?url=$MODEL_URL" "$G/bench/files/1k.bin" "$R/api/assets/remote-metadata?url=$MODEL_URL" "$R/bench/files/1k.bin"; do
    wrk -t1 -c"$CONNECTIONS" -d"$JIT_WARMUP" -H "$H" "$url" >/dev/null
done

# Cache hit vs the trivial endpoint.
measure trivial "$CONNECTIONS" "$DURATION" "http://127.0.0.1:$TRIVIAL/"
measure hit-memory "$CONNECTIONS" "$DURATION" "$G/api/assets/remote-metadata?url=$MODEL_URL" "$H"
measure hit-redis "$CONNECTIONS" "$DURATION" "$R/api/assets/remote-metadata?url=$MODEL_URL" "$H"

# Forwarding vs nginx proxy_pass.
for size in 1k 1m; do
    measure "origin-$size" "$CONNECTIONS" "$DURATION" "http://127.0.0.1:$ORIGIN/files/$size.bin"
    measure "nginx-$size" "$CONNECTIONS" "$DURATION" "http://127.0.0.1:$NGINX_PROXY/files/$size.bin"
    measure "yarp-$size" "$CONNECTIONS" "$DURATION" "http://127.0.0.1:$YARP/files/$size.bin"
    measure "gw-memory-$size" "$CONNECTIONS" "$DURATION" "$G/bench/files/$size.bin" "$H"
    measure "gw-redis-$size" "$CONNECTIONS" "$DURATION" "$R/bench/files/$size.bin" "$H"
done

# One 100 MiB stream at a time: throughput.
measure nginx-100m 1 "$STREAM_DURATION" "http://127.0.0.1:$NGINX_PROXY/files/100m.bin"
measure yarp-100m 1 "$STREAM_DURATION" "http://127.0.0.1:$YARP/files/100m.bin"
measure gw-memory-100m 1 "$STREAM_DURATION" "$G/bench/files/100m.bin" "$H"
measure gw-memory-100m-st 1 "$STREAM_DURATION" "$G/bench/files/100m.safetensors" "$H"
measure download-100m 1 "$STREAM_DURATION" "$G/api/assets/download?url=$(HF_URL 100m.safetensors)" "$H"

# Cold lookups of a generic URL against an origin that answers after DELAY_MS: one round trip is the floor.
declare -a COLD=()
for i in 1 2 3 4 5; do
    url=$(urlencode "http://127.0.0.1:$DELAY/cold/$RANDOM-$i.safetensors")
    COLD+=("$(curl -s -o "$WORK/cold-$i.json" -H "$H" -w '%{time_total}' "$G/api/assets/remote-metadata?url=$url")")
    grep -q '"format":"SafeTensor"' "$WORK/cold-$i.json" || { echo "cold lookup $i failed: $(cat "$WORK/cold-$i.json")" >&2; exit 1; }
done
COLD_SORTED=$(printf '%s\n' "${COLD[@]}" | sort -n)
COLD_MEDIAN=$(echo "$COLD_SORTED" | sed -n 3p | awk '{ printf "%.0f", $1 * 1000 }')
COLD_MAX=$(echo "$COLD_SORTED" | tail -1 | awk '{ printf "%.0f", $1 * 1000 }')
log "cold lookup: median $COLD_MEDIAN ms, max $COLD_MAX ms (origin delay $DELAY_MS ms)"

# A cold stampede on two replicas sharing Redis: every caller asks for one new URL at once; nginx logs the origin's requests.
start_gateway "$GW_REDIS2" "127.0.0.1:$REDIS_PORT" gateway-redis-2
wait_http "http://127.0.0.1:$GW_REDIS2/healthz/ready"
curl -s -o /dev/null -H "$H" "http://127.0.0.1:$GW_REDIS2/api/assets/remote-metadata?url=$MODEL_URL"
declare -a STAMPEDE=()
for round in 1 2 3; do
    path="/stampede/$RANDOM-$round.safetensors"
    url=$(urlencode "http://127.0.0.1:$ORIGIN$path")
    callers=()
    for ((i = 0; i < STAMPEDE_CALLERS; i++)); do
        port=$((i % 2 == 0 ? GW_REDIS : GW_REDIS2))
        curl -s -o "$WORK/stampede-$round-$i.json" -H "$H" "http://127.0.0.1:$port/api/assets/remote-metadata?url=$url" &
        callers+=($!)
    done
    for pid in "${callers[@]}"; do wait "$pid" || true; done
    ok=$(grep -l '"format":"SafeTensor"' "$WORK"/stampede-$round-*.json | wc -l)
    origin_requests=$(grep -c " $path " "$WORK/stampede.log" || true)
    STAMPEDE+=("$origin_requests origin request(s) for $ok/$STAMPEDE_CALLERS answered callers")
    log "stampede round $round: ${STAMPEDE[-1]}"
done

# ---------------------------------------------------------------------------------------------------------- micro
MICRO_REPORT=""
if ((MICRO)); then
    log "BenchmarkDotNet micro-benchmarks"
    quick_flag=$( ((QUICK)) && echo --quick || true)
    dotnet run -c Release --project "$ROOT/bench/MicroBenchmarks" -- $quick_flag --artifacts "$WORK/micro" --filter '*' \
        >"$WORK/micro.log" 2>&1 || { tail -40 "$WORK/micro.log" >&2; exit 1; }
    MICRO_REPORT=$(for f in "$WORK"/micro/results/*-report-github.md; do
        name=$(basename "$f" -report-github.md); echo "**${name##*.}**"; echo
        sed -n "/^|/{s/&#39;//g;p}" "$f"; echo
    done)
fi

# ---------------------------------------------------------------------------------------------------------- report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f×", a / b }'; }
# goal measured reference goal higher|lower → "met" or "missed by N %"
goal() {
    awk -v m="$1" -v r="$2" -v g="$3" -v dir="$4" 'BEGIN {
        x = m / r
        if ((dir == "higher" && x >= g) || (dir == "lower" && x <= g)) { printf "met (≥ %s×)", g; exit }
        if (dir == "higher") printf "**missed**: %.2f× of %.2f× (%.0f %% short)", x, g, (1 - x / g) * 100
        else printf "**missed**: %.2f× over %.2f× (%.0f %% over)", x, g, (x / g - 1) * 100
    }'
}
p99goal() { awk -v p="$1" 'BEGIN { if (p <= 2) print "met (≤ 2 ms)"; else printf "**missed**: %.2f ms (%.0f %% over 2 ms)", p, (p / 2 - 1) * 100 }'; }
row() { # label id reference-id goal-text
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "${RPS[$2]}" "${P50[$2]}" "${P99[$2]}" "${ERRS[$2]}" "$(ratio "${RPS[$2]}" "${RPS[$3]}")" "$4"
}

DATE=$(date -u +%F)
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
DOTNET_RUNTIME=$(dotnet --list-runtimes | awk '/Microsoft.AspNetCore.App/ { v = $2 } END { print v }')
MODE=$( ((QUICK)) && echo "quick (smoke) run" || echo "full run")
MODE+=": $JIT_WARMUP JIT warm-up per server, $WARMUP warm-up and $DURATION per scenario, a $BIG_GIB GiB stream"
REPORT="$ROOT/bench/results/$DATE$( ((QUICK)) && echo -quick || true).md" # a smoke run is not a result
mkdir -p "$ROOT/bench/results"
{
    echo "# Gateway benchmark — $DATE"
    echo
    echo "Produced by \`bench/run.sh\` ($MODE) at commit \`$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- proxy || echo '+local changes')\`."
    echo
    echo "**Machine:** $(nproc) cores ($CPU), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r);"
    echo ".NET SDK $(dotnet --version) (ASP.NET Core $DOTNET_RUNTIME), $(nginx -v 2>&1 | sed 's/^nginx version: //'),"
    echo "Redis $(redis-server --version | sed -E 's/.*v=([0-9.]+).*/\1/'), wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')."
    echo "Everything — wrk, nginx, Redis, the reference servers and the gateway — shares these cores and 127.0.0.1."
    echo
    echo "wrk: \`-t1 -c$CONNECTIONS\` (streams: \`-c1\`), a warm-up run, then \`--latency\`. Latencies in ms. Ratios are to the"
    echo "reference measured in this run; goals are those of issue 15."
    echo
    echo "## Metadata cache hit vs a trivial ASP.NET endpoint"
    echo
    echo "| path | req/s | p50 | p99 | errors | ratio | goal |"
    echo "|---|---:|---:|---:|---:|---:|---|"
    row "trivial ASP.NET endpoint (\`GET /\` → small JSON)" trivial trivial "reference"
    row "cache hit, in-memory (key + limiter + policy + JSON)" hit-memory trivial "$(goal "${RPS[hit-memory]}" "${RPS[trivial]}" 0.6 higher); p99 $(p99goal "${P99[hit-memory]}")"
    row "cache hit, Redis configured (limiter: at most one Redis trip)" hit-redis trivial "$(goal "${RPS[hit-redis]}" "${RPS[trivial]}" 0.5 higher); p99 $(p99goal "${P99[hit-redis]}")"
    echo
    echo "## Forwarding vs nginx \`proxy_pass\`"
    echo
    echo "| path | req/s | p50 | p99 | errors | ratio | goal |"
    echo "|---|---:|---:|---:|---:|---:|---|"
    for size in 1k 1m; do
        label=$([[ $size == 1k ]] && echo "1 KiB" || echo "1 MiB")
        row "nginx origin direct, $label (context)" "origin-$size" "nginx-$size" "-"
        row "nginx \`proxy_pass\`, $label" "nginx-$size" "nginx-$size" "reference"
        row "bare YARP, $label (no auth, no limiter)" "yarp-$size" "nginx-$size" "context"
        if [[ $size == 1k ]]; then
            row "gateway, $label (key + limiter), in-memory" "gw-memory-$size" "nginx-$size" "$(goal "${RPS[gw-memory-1k]}" "${RPS[nginx-1k]}" 1.0 higher)"
            row "gateway, $label (key + limiter), Redis" "gw-redis-$size" "nginx-$size" "$(goal "${RPS[gw-redis-1k]}" "${RPS[nginx-1k]}" 0.8 higher)"
        else
            row "gateway, $label (key + limiter), in-memory" "gw-memory-$size" "nginx-$size" "-"
            row "gateway, $label (key + limiter), Redis" "gw-redis-$size" "nginx-$size" "-"
        fi
    done
    echo
    echo "## Streams"
    echo
    echo "One 100 MiB file at a time (\`-c1\`), throughput in MiB/s:"
    echo
    echo "| path | MiB/s | errors | ratio | goal |"
    echo "|---|---:|---:|---:|---|"
    printf '| nginx `proxy_pass` | %s | %s | reference | |\n' "${MIBS[nginx-100m]}" "${ERRS[nginx-100m]}"
    printf '| bare YARP | %s | %s | %s | context |\n' "${MIBS[yarp-100m]}" "${ERRS[yarp-100m]}" "$(ratio "${MIBS[yarp-100m]}" "${MIBS[nginx-100m]}")"
    printf '| gateway forwarded (key + limiter), in-memory | %s | %s | %s | %s |\n' "${MIBS[gw-memory-100m]}" "${ERRS[gw-memory-100m]}" \
        "$(ratio "${MIBS[gw-memory-100m]}" "${MIBS[nginx-100m]}")" "$(goal "${MIBS[gw-memory-100m]}" "${MIBS[nginx-100m]}" 1.5 higher)"
    printf '| gateway forwarded, the 100 MiB safetensors file (reference for the download) | %s | %s | %s | |\n' "${MIBS[gw-memory-100m-st]}" \
        "${ERRS[gw-memory-100m-st]}" "$(ratio "${MIBS[gw-memory-100m-st]}" "${MIBS[nginx-100m]}")"
    printf '| `/api/assets/download` of it (policy, head check, SHA-256 of every byte) | %s | %s | %s vs forwarded | %s |\n' "${MIBS[download-100m]}" \
        "${ERRS[download-100m]}" "$(ratio "${MIBS[download-100m]}" "${MIBS[gw-memory-100m-st]}")" "$(goal "${MIBS[download-100m]}" "${MIBS[gw-memory-100m-st]}" 0.9 higher)"
    echo
    echo "The gateway's memory over one ${BIG_GIB} GiB stream (\`curl -o /dev/null\`, in-memory gateway, VmRSS sampled every 0.2 s;"
    echo "VmHWM reset before the stream):"
    echo
    echo "| stream | RSS before | peak RSS | RSS after | VmHWM | MiB/s | answer | goal |"
    echo "|---|---:|---:|---:|---:|---:|---|---|"
    for id in forwarded-big download-big; do
        label=$([[ $id == forwarded-big ]] && echo "forwarded route" || echo "\`/api/assets/download\` (hashed)")
        verdict=$(awk -v p="${HWM[$id]}" 'BEGIN { if (p < 150) print "met (< 150 MB)"; else printf "**missed**: %d MB", p }')
        printf '| %s | %s MB | %s MB | %s MB | %s MB | %s | %s | %s |\n' "$label" "${RSS_START[$id]}" "${RSS_PEAK[$id]}" "${RSS_END[$id]}" \
            "${HWM[$id]}" "${STREAM_MIBS[$id]}" "${STREAM_OK[$id]}" "$verdict"
    done
    echo
    echo "## Cold lookups"
    echo
    echo "A generic URL on an origin that answers every request after $DELAY_MS ms (five new URLs, one after another):"
    echo "median $COLD_MEDIAN ms, max $COLD_MAX ms = $(awk -v m="$COLD_MEDIAN" -v d="$DELAY_MS" 'BEGIN { printf "%.2f×", m / d }') the delay"
    echo "(goal ≤ 1.2×: $(awk -v m="$COLD_MEDIAN" -v d="$DELAY_MS" 'BEGIN { x = m / d; if (x <= 1.2) print "met"; else printf "**missed** by %.0f %%", (x / 1.2 - 1) * 100 }'))."
    echo
    echo "Stampede: $STAMPEDE_CALLERS concurrent cold lookups of one new URL, alternating between two replicas on one Redis,"
    echo "origin behind nginx with the $DELAY_MS ms delay; requests counted in nginx's access log (goal: one probe chain, one request):"
    echo
    for line in "${STAMPEDE[@]}"; do echo "- $line"; done
    if [[ -n "$MICRO_REPORT" ]]; then
        echo
        echo "## Micro-benchmarks (BenchmarkDotNet, \`bench/MicroBenchmarks\`)"
        echo
        echo "$MICRO_REPORT"
    fi
} >"$REPORT.tmp"
mv "$REPORT.tmp" "$REPORT"
cat "$REPORT"
log "written to ${REPORT#"$ROOT"/}"
