# Sourced by scripts whose tests start a real Redis (gateway-core's RedisServer fixture runs
# `redis-server` from PATH). Defines ensure_redis: returns 0 when redis-server is on PATH; otherwise
# installs Debian's `redis-server` package, as root or through `sudo -n`, and returns 1 with a message on
# stderr if it is still missing.
#
# The package's post-install may start a system service on port 6379 where an init system runs; the tests
# never use that one: each starts its own server on a free loopback port, without persistence.
ensure_redis() {
  if command -v redis-server >/dev/null 2>&1; then
    return 0
  fi
  local sudo=''
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo='sudo -n'
    else
      echo "ensure_redis: redis-server is not on PATH; install Debian's 'redis-server' package as root" >&2
      return 1
    fi
  fi
  echo "ensure_redis: installing Debian's 'redis-server' package" >&2
  local apt="$sudo env DEBIAN_FRONTEND=noninteractive apt-get"
  # The package lists are refreshed only when the install fails without them (for example on a new
  # machine). A failure is reported by the check below.
  $apt install -y -qq --no-install-recommends redis-server >/dev/null 2>&1 ||
    { $apt update -qq && $apt install -y -qq --no-install-recommends redis-server >/dev/null; } || true
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "ensure_redis: redis-server is still not on PATH after installing Debian's 'redis-server' package" >&2
    return 1
  fi
  return 0
}
