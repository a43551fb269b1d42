# Sourced by scripts whose tests start a real Redis (gateway-core's RedisServer fixture runs
# `redis-server` from PATH). Defines ensure_redis: returns 0 when redis-server is on PATH; otherwise
# installs Debian's `redis-server` package (scripts/lib/debian.sh), and returns 1 with a message on
# stderr if it is still missing.
#
# The package's post-install may start a system service on port 6379 where an init system runs; the tests
# never use that one: each starts its own server on a free loopback port, without persistence.
. scripts/lib/debian.sh
ensure_redis() {
  if command -v redis-server >/dev/null 2>&1; then
    return 0
  fi
  install_debian_packages ensure_redis redis-server || return 1
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "ensure_redis: redis-server is still not on PATH after installing Debian's 'redis-server' package" >&2
    return 1
  fi
  return 0
}
