# Sourced by scripts that check the Prometheus rules in docs/ops/. Defines ensure_promtool: returns 0 when
# promtool is on PATH; otherwise installs Debian's `prometheus` package (it ships /usr/bin/promtool), as root
# or through `sudo -n`, and returns 1 with a message on stderr if promtool is still missing.
#
# The package also holds the Prometheus server and its service; only promtool is wanted here, so:
# - --no-install-recommends leaves out the node exporter and the other recommended packages;
# - where an init system runs (systemd, or sysvinit through /etc/init.d/prometheus), the package's postinst
#   starts the server unless /usr/sbin/policy-rc.d forbids it (in a container without one, invoke-rc.d finds
#   no runlevel and starts nothing); when that file is missing, a temporary one answering 101 ("action
#   forbidden") is written for the install and removed after it;
# - a `prometheus` process that appears anyway during the install is stopped by its PID.
ensure_promtool() {
  command -v promtool >/dev/null 2>&1 && return 0
  local sudo='' policy=/usr/sbin/policy-rc.d made_policy='' before='' pid
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo='sudo -n'
    else
      echo "ensure_promtool: promtool is not on PATH; install Debian's 'prometheus' package as root" >&2
      return 1
    fi
  fi
  echo "ensure_promtool: installing Debian's 'prometheus' package for promtool" >&2
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod 755 "$policy" && made_policy=1
  fi
  before=" $(pgrep -x prometheus | tr '\n' ' ' || true) "
  local apt="$sudo env DEBIAN_FRONTEND=noninteractive apt-get"
  # The package lists are refreshed only when the install fails without them (for example on a new machine).
  # A failure is reported by the check at the end; `|| true` keeps a caller's `set -e` from skipping the cleanup.
  $apt install -y -qq --no-install-recommends prometheus >/dev/null 2>&1 ||
    { $apt update -qq && $apt install -y -qq --no-install-recommends prometheus >/dev/null; } || true
  if [ -n "$made_policy" ]; then $sudo rm -f "$policy"; fi
  for pid in $(pgrep -x prometheus); do
    case "$before" in
      *" $pid "*) ;;  # was running before the install: not ours
      *) echo "ensure_promtool: stopping prometheus (pid $pid), started by the install" >&2
         $sudo kill "$pid" || true ;;
    esac
  done
  command -v promtool >/dev/null 2>&1 && return 0
  echo "ensure_promtool: promtool is still not on PATH after installing Debian's 'prometheus' package" >&2
  return 1
}
