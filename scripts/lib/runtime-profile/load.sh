# Sourced by scripts/runtime-profile: the load generators and the parsing of what they print. Load only
# ever targets the URL it is handed, which the script builds on 127.0.0.1. Latencies come out in ms.
# The globals these functions read or set (pin_load, load_api_key, nofile, t0_us, ready_ms, ...) are the script's.
# shellcheck shell=bash disable=SC2154,SC2034

# run_wrk CONNS DURATION_S URL OUT: one wrk phase on the load CPU, its report into OUT. Bounded by timeout
# in case wrk hangs on a proxy that stopped answering.
run_wrk() {
  local conns=$1 dur=$2 url=$3 out=$4
  run_tracked "$out" "${pin_load[@]}" timeout $(( dur + 60 )) wrk -t1 -c"$conns" -d"${dur}s" --latency --timeout 2s \
    -H "X-API-Key: $load_api_key" "$url" \
    || { cat "$out" >&2; die "wrk -c$conns against $url failed"; }
}

# parse_wrk OUT: prints "req/s requests p50 p99 max connect read write timeout non2xx". wrk prints the
# socket error and non-2xx lines only when there are some, hence the zero defaults.
parse_wrk() {
  awk '
    function ms(v,   n, u) {
      n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
      if (u == "us") return n / 1000
      if (u == "s") return n * 1000
      if (u == "m") return n * 60000
      if (u == "h") return n * 3600000
      return n
    }
    $1 == "Latency" && $2 != "Distribution" { max = ms($4) }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    / requests in / { reqs = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /Socket errors:/ { gsub(/,/, ""); c = $4; r = $6; w = $8; t = $10 }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    END { printf "%.0f %d %.2f %.2f %.2f %d %d %d %d %d\n", rps, reqs, p50, p99, max, c, r, w, t, bad }
  ' "$1"
}

# run_h2load CONNS DURATION_S URL OUT LOG: one h2load phase over HTTP/1.1 (closed loop, one request in
# flight per connection, like wrk), writing every request's latency to LOG. h2load appends to its log
# file, so LOG is removed first.
run_h2load() {
  local conns=$1 dur=$2 url=$3 out=$4 log=$5
  rm -f "$log"
  run_tracked "$out" "${pin_load[@]}" timeout $(( dur + 60 )) h2load --h1 -t1 -c"$conns" -D"$dur" --log-file="$log" \
    -H "X-API-Key: $load_api_key" "$url" \
    || { cat "$out" >&2; die "h2load -c$conns against $url failed"; }
}

# parse_h2load OUT LOG: prints "req/s requests p50 p99 max failed non2xx". The percentiles are taken from
# the log's per-request durations (microseconds, third column) of the 2xx answers: no coordinated
# omission correction is applied, unlike wrk's figures.
parse_h2load() {
  local out=$1 log=$2 head pct rps n failed bad p50 p99 max
  head=$(awk '
    /^finished in/ { rps = $4 }
    /^requests:/ { n = $8; failed = $10 + $12 + $14 }
    /^status codes:/ { bad = $5 + $7 + $9 }
    END { printf "%.0f %d %d %d", rps, n, failed, bad }
  ' "$out")
  pct=$(awk -F'\t' '$2 >= 200 && $2 < 300 { print $3 }' "$log" | sort -n | awk '
    { a[NR] = $1 }
    END {
      if (NR == 0) { print "0 0 0"; exit }
      i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++
      i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++
      printf "%.2f %.2f %.2f\n", a[i50] / 1000, a[i99] / 1000, a[NR] / 1000
    }')
  read -r rps n failed bad <<<"$head"
  read -r p50 p99 max <<<"$pct"
  echo "$rps $n $p50 $p99 $max $failed $bad"
}
