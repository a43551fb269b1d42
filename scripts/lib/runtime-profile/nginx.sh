# Sourced by scripts/runtime-profile: the two nginx configurations, the upstream that all three proxies
# share and nginx as a plain reverse proxy. Both run in the foreground (daemon off) under a prefix of their
# own in the temp dir, so no system nginx file or service is touched.
# The globals these functions read or set (pin_load, load_api_key, nofile, t0_us, ready_ms, ...) are the script's.
# shellcheck shell=bash disable=SC2154,SC2034

# nginx_main DIR: what both configurations share. Workers run as root when the master does, because the
# temp dir (mktemp, mode 0700) is not readable by Debian's www-data.
nginx_main() {
  local dir=$1 conns=$(( nofile < 16384 ? nofile - 64 : 16384 ))
  [ "$(id -u)" = 0 ] && echo "user root;"
  cat <<CONF
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
worker_rlimit_nofile $nofile;
events { worker_connections $conns; }
CONF
}

# nginx_http_common DIR: http-level lines for both. The temp paths are moved into the prefix because the
# compiled-in ones (/var/lib/nginx/...) may be missing or not writable; a module that was built out has no
# such directive, so only the ones this nginx has are named.
nginx_http_common() {
  local dir=$1 m built
  built=$("$nginx_bin" -V 2>&1)
  echo "  access_log off;"
  echo "  keepalive_requests 1000000000;"
  echo "  keepalive_timeout 300s;"
  echo "  client_body_temp_path $dir/tmp/body;"
  for m in proxy fastcgi uwsgi scgi; do
    case $built in *"--without-http_${m}_module"*) continue ;; esac
    echo "  ${m}_temp_path $dir/tmp/$m;"
  done
}

# write_upstream_conf DIR PORT: the upstream, serving the trade as a static JSON file. The backlog is
# generous because 1,024 connections may arrive at once (through the gateways' pools).
write_upstream_conf() {
  local dir=$1 port=$2
  mkdir -p "$dir/www/v1/trades" "$dir/tmp"
  printf '%s' "$trade_json" >"$dir/www/v1/trades/trd_abcdefghij0123456789"
  {
    nginx_main "$dir"
    echo "http {"
    nginx_http_common "$dir"
    cat <<CONF
  types { }
  default_type application/json;
  open_file_cache max=16 inactive=1h;
  open_file_cache_valid 1h;
  server {
    listen 127.0.0.1:$port backlog=4096;
    root $dir/www;
  }
}
CONF
  } >"$dir/nginx.conf"
}

# write_proxy_conf DIR PORT UPSTREAM_PORT: nginx as a plain reverse proxy with a keepalive pool to the
# upstream (HTTP/1.1 and an empty Connection header, without which nginx closes each upstream connection).
write_proxy_conf() {
  local dir=$1 port=$2 up=$3
  mkdir -p "$dir/tmp"
  {
    nginx_main "$dir"
    echo "http {"
    nginx_http_common "$dir"
    cat <<CONF
  upstream backend {
    server 127.0.0.1:$up;
    keepalive 1024;
    keepalive_requests 1000000000;
    keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.1:$port backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
  } >"$dir/nginx.conf"
}
