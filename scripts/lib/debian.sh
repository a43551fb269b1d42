# Sourced by the scripts/lib helpers that install what a script needs. Defines install_debian_packages:
#   install_debian_packages CALLER PACKAGE...
# installs Debian's packages, as root or through `sudo -n`, saying so on stderr as CALLER; returns 1 with a
# message when neither is possible. Whether the install worked is for the caller to check (a command on
# PATH): a failed install returns 0 here. The package lists are refreshed only when the install fails
# without them (for example on a new machine).
install_debian_packages() {
  local caller=$1; shift
  local names
  names=$(printf "'%s' " "$@")
  names="${names% } package(s)"
  local sudo=''
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo='sudo -n'
    else
      echo "$caller: install Debian's $names as root (no root, no passwordless sudo here)" >&2
      return 1
    fi
  fi
  echo "$caller: installing Debian's $names" >&2
  local apt="$sudo env DEBIAN_FRONTEND=noninteractive apt-get"
  $apt install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 ||
    { $apt update -qq && $apt install -y -qq --no-install-recommends "$@" >/dev/null; } || true
}
