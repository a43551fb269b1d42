# Sourced by scripts/runtime-profile: starting, finding, reading and stopping processes. Every process is
# started through launch and stopped by PID (never by name), so nothing the script did not start is touched.
# The globals these functions read or set (pin_load, load_api_key, nofile, t0_us, ready_ms, ...) are the script's.
# shellcheck shell=bash disable=SC2154,SC2034

started=()    # PIDs launched by this script (its own children)
extra_pids=() # measured processes that are not our children (a JVM forked by a launcher that does not exec)

# stamp VAR: microseconds since the epoch into VAR, without forking (EPOCHREALTIME is bash 5).
stamp() { printf -v "$1" '%s' "${EPOCHREALTIME//[!0-9]/}"; }

die() { echo "runtime-profile: $*" >&2; exit 1; }
say() { echo "runtime-profile: $*" >&2; }

# launch LOG CMD...: starts CMD in the background with stdout and stderr appended to LOG (appending, so
# the log can be truncated between load phases while the process writes to it). Sets launched and t0_us,
# the instant just before the exec, from which cold start is measured.
launch() {
  local log=$1; shift
  stamp t0_us
  "$@" </dev/null >>"$log" 2>&1 &
  launched=$!
  started+=("$launched")
}

# run_tracked OUT CMD...: runs CMD with its output into OUT and waits for it. It runs as a tracked
# background job because bash runs a signal trap only once a foreground command has returned, while the
# wait builtin is interrupted at once: on SIGINT or SIGTERM a running load generator is stopped too.
run_tracked() {
  local out=$1 pid rc=0; shift
  "$@" </dev/null >"$out" 2>&1 &
  pid=$!
  started+=("$pid")
  wait "$pid" || rc=$?
  forget "$pid"
  return "$rc"
}

# alive PID: true while PID runs. kill -0 is not enough: a dead child stays a zombie until it is waited for.
alive() {
  local line
  read -r line 2>/dev/null </proc/"$1"/stat || return 1
  line=${line##*) }
  [ "${line%% *}" != Z ]
}

# find_process ROOT COMM: prints ROOT or its first descendant (breadth first) whose command name is COMM.
# A launcher that execs keeps its PID (ROOT itself is the JVM); one that forks has the JVM as a child.
find_process() {
  local queue=("$1") p comm
  while [ ${#queue[@]} -gt 0 ]; do
    p=${queue[0]}; queue=("${queue[@]:1}")
    comm=$(cat /proc/"$p"/comm 2>/dev/null || true)
    [ "$comm" = "$2" ] && { echo "$p"; return 0; }
    mapfile -t -O "${#queue[@]}" queue < <(pgrep -P "$p" || true)
  done
  return 1
}

children_of() { pgrep -P "$1" || true; }

# status_kib FIELD PID...: the sum of a /proc/PID/status field (VmRSS, VmHWM) in KiB; nginx's master and
# worker are read together.
status_kib() {
  local field=$1 p total=0 v; shift
  for p in "$@"; do
    v=$(awk -v f="$field:" '$1 == f { print $2 }' /proc/"$p"/status 2>/dev/null || true)
    total=$(( total + ${v:-0} ))
  done
  echo "$total"
}

# cpu_ticks PID...: utime + stime (fields 14 and 15 of /proc/PID/stat, in clock ticks), summed. The
# command name (field 2) may hold spaces, so the fields are counted from after its closing parenthesis.
cpu_ticks() {
  local p line f total=0
  for p in "$@"; do
    read -r line 2>/dev/null </proc/"$p"/stat || continue
    read -r -a f <<<"${line##*) }" # f[0] is field 3 (state), so utime is f[11] and stime f[12]
    total=$(( total + f[11] + f[12] ))
  done
  echo "$total"
}

# stop_pids PID...: SIGTERM, up to 15 s for all to exit, then SIGKILL; our own children are reaped.
stop_pids() {
  local p deadline now left
  [ $# -gt 0 ] || return 0
  for p in "$@"; do if alive "$p"; then kill -TERM "$p" 2>/dev/null || true; fi; done
  stamp now; deadline=$(( now + 15000000 ))
  while :; do
    left=0
    for p in "$@"; do alive "$p" && left=1; done
    stamp now
    [ $left = 0 ] || [ "$now" -ge "$deadline" ] && break
    sleep 0.05
  done
  for p in "$@"; do
    if alive "$p"; then say "PID $p ignored SIGTERM for 15 s: SIGKILL"; kill -KILL "$p" 2>/dev/null || true; fi
  done
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
  forget "$@"
}

# forget PID...: drops PIDs from the lists the EXIT trap stops.
forget() {
  local p q keep=() keep_extra=()
  for q in "${started[@]}"; do
    for p in "$@"; do [ "$q" = "$p" ] && continue 2; done
    keep+=("$q")
  done
  for q in "${extra_pids[@]}"; do
    for p in "$@"; do [ "$q" = "$p" ] && continue 2; done
    keep_extra+=("$q")
  done
  started=("${keep[@]}"); extra_pids=("${keep_extra[@]}")
}

# stop_everything: the EXIT trap's part for processes. A JVM that a launcher forked goes first: a launcher
# that does not forward signals would leave it running.
stop_everything() {
  local all=("${extra_pids[@]}" "${started[@]}")
  [ ${#all[@]} -eq 0 ] || stop_pids "${all[@]}"
}

# probe URL...: GETs with the load key, the HTTP status of each on its own line (000 when nothing
# answers). One curl for all the URLs: starting a curl costs more than the 5 ms between polls.
probe() {
  local u outs=()
  for u in "$@"; do outs+=(-o /dev/null); done
  curl -s --max-time 2 -w '%{http_code}\n' -H "X-API-Key: $load_api_key" "${outs[@]}" "$@" || true
}

# wait_ready WHAT LOG DEADLINE_S URL...: polls the URLs with curl every 5 ms until every one has answered
# 200 (each once; a URL that answered is not asked again). Sets ready_ms, measured from t0_us (launch).
# Fails naming WHAT and the URLs still failing, with the tail of LOG, when the process exits or the
# deadline passes.
wait_ready() {
  local what=$1 log=$2 deadline_s=$3 now end i codes left; shift 3
  local pending=("$@")
  end=$(( t0_us + deadline_s * 1000000 ))
  while :; do
    mapfile -t codes < <(probe "${pending[@]}")
    left=()
    for i in "${!pending[@]}"; do [ "${codes[i]:-000}" = 200 ] || left+=("${pending[i]}"); done
    stamp now
    if [ ${#left[@]} -eq 0 ]; then ready_ms=$(( (now - t0_us) / 1000 )); return 0; fi
    pending=("${left[@]}")
    alive "$launched" || not_up "$what" "$log" "exited during start (still failing: ${pending[*]})"
    [ "$now" -lt "$end" ] || not_up "$what" "$log" "did not come up within ${deadline_s}s (still failing: ${pending[*]})"
    sleep 0.005
  done
}

not_up() {
  echo "runtime-profile: $1 $3" >&2
  echo "---- last lines of $2 ----" >&2
  tail -n 30 "$2" >&2 2>/dev/null || true
  exit 1
}
