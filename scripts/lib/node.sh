# Sourced by scripts that run the old gateway (../shared/legacy-gateway, Node/Express). Defines ensure_node:
# returns 0 when node (18 or newer, as the old gateway needs) and npm are on PATH; otherwise installs
# Debian's `nodejs` and `npm` packages (scripts/lib/debian.sh), and returns 1 with a message on stderr
# if either is still missing or node is older than 18.
#
# --no-install-recommends: npm's recommended packages (build tools for native add-ons) are not needed by
# the old gateway, whose dependencies are plain JavaScript. Neither package starts a service.
. scripts/lib/debian.sh
ensure_node() {
  if ! { command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; }; then
    install_debian_packages ensure_node nodejs npm || return 1
    if ! { command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; }; then
      echo "ensure_node: node or npm is still not on PATH after installing Debian's 'nodejs' and 'npm' packages" >&2
      return 1
    fi
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || true)
  case $major in '' | *[!0-9]*) major=0 ;; esac
  if [ "$major" -lt 18 ]; then
    echo "ensure_node: $(command -v node) is $(node --version 2>/dev/null || echo 'unusable'); the old gateway needs Node 18 or newer" >&2
    return 1
  fi
  return 0
}
