# Sourced by scripts/runtime-profile: the Markdown table. Results sit in R["PROXY:KEY"]; a proxy that was
# not run (--only, or the old gateway could not be installed) shows why in each of its cells.
# The globals these functions read or set (pin_load, load_api_key, nofile, t0_us, ready_ms, ...) are the script's.
# shellcheck shell=bash disable=SC2154,SC2034

# cell PROXY KEY: the value, or why there is none.
cell() {
  if [ -n "${skipped[$1]:-}" ]; then echo "${skipped[$1]}"
  else echo "${R[$1:$2]:-—}"; fi
}

# ratio KEY: this gateway ÷ the old gateway, when both were measured.
ratio() {
  local a=${R[gateway:$1]:-} b=${R[legacy:$1]:-}
  if [ -n "$a" ] && [ -n "$b" ] && [ -z "${skipped[gateway]:-}${skipped[legacy]:-}" ]; then
    awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "—" }'
  fi
}

# row LABEL KEY [ratio]: one table line across the three proxies.
row() {
  local r=""
  [ "${3:-}" = ratio ] && r=$(ratio "$2")
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$(cell legacy "$2")" "$(cell gateway "$2")" "$(cell nginx "$2")" "$r"
}

# p99_vs_nginx PHASE: this gateway's p99 ÷ nginx's p99 in a phase, shown in this gateway's column.
p99_vs_nginx() {
  local g=${R[gateway:$1_p99]:-} n=${R[nginx:$1_p99]:-} v="—"
  if [ -n "$g" ] && [ -n "$n" ] && [ -z "${skipped[gateway]:-}${skipped[nginx]:-}" ]; then
    v=$(awk -v g="$g" -v n="$n" 'BEGIN { if (n > 0) printf "%.2f", g / n; else print "—" }')
  fi
  printf '| this gateway p99 ÷ nginx p99, %s | | %s | | |\n' "$2" "$v"
}

print_table() {
  local d=${duration}s
  echo "| measure | old gateway (Node/Express) | this gateway | nginx (reverse proxy) | this ÷ old |"
  echo "|---|---:|---:|---:|---:|"
  row "cold start, exec → ready, median of $starts (ms)" start_med ratio
  row "cold starts, each (ms)" start_all
  row "phase 1, cold (wrk -c256 -d$d, at ready): req/s" p1_rps
  row "phase 1: p50 / p99 / max (ms)" p1_lat
  row "phase 1: errors (socket connect/read/write/timeout; non-2xx)" p1_err
  row "phase 2, warm (wrk -c256 -d$d): req/s" p2_rps
  row "phase 2: p50 / p99 / max (ms)" p2_lat
  row "phase 2: errors" p2_err
  row "phase 3 (wrk -c1024 -d$d): req/s" p3_rps
  row "phase 3: p50 / p99 / max (ms)" p3_lat
  row "phase 3: errors" p3_err
  if [ "$have_h2load" = 1 ]; then
    row "h2load --h1 -c256 -D$duration after phase 3, no CO correction: req/s" h2_rps
    row "h2load: p50 / p99 / max (ms)" h2_lat
    row "h2load: errors (failed; non-2xx)" h2_err
  fi
  row "exited under load (first error line of its log)" exit
  row "peak RSS: VmHWM at the end of the run (MiB)" peak ratio
  row "RSS after wrk -c64 -d$d, in a separate fresh process (MiB)" rss64 ratio
  row "CPU seconds per 10k requests, phases 1–3" cpu10k ratio
  row "requests completed, phases 1–3 (wrk)" reqs
  row "p99, phase 1 cold, 256 conns (ms)" p1_p99
  row "p99, phase 2 warm, 256 conns (ms)" p2_p99
  row "p99, phase 3, 1024 conns (ms)" p3_p99
  p99_vs_nginx p2 "phase 2 (warm, 256 conns)"
  p99_vs_nginx p3 "phase 3 (1024 conns)"
  row "CPU used by other processes while this proxy was profiled (% of the machine)" other
}
