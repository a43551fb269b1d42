#!/bin/sh
# Assembles the image's root filesystem in DIR: the Java runtime at /opt/jre, the gateway under /app, a
# shell for the launcher, the shared libraries these load (found with ldd, nothing else), the non-root user
# and an empty /tmp. Run by docker/Dockerfile in its build stage:  JDK=/usr/lib/jvm/... sh rootfs.sh DIR
# (JDK: the build stage's JDK, for its jar tool).
set -eu
out=$1
mkdir -p "$out/bin" "$out/etc" "$out/tmp" "$out/app"
chmod 1777 "$out/tmp"

# The runtime and the gateway, as the build stage made them (the class-data archive names this jar's path,
# size and time: cp -p keeps the time).
cp -a /opt/jre "$out/opt-jre"
mkdir -p "$out/opt"
mv "$out/opt-jre" "$out/opt/jre"
cp -p /app/gateway.jar /app/gateway-jdk*.jsa /app/container.yaml "$out/app/"
cp -p /app/gateway "$out/app/gateway"
chmod 0755 "$out/app/gateway"
# The launcher's shell: POSIX sh, with no other tool (the launcher uses built-ins only).
cp -L /bin/dash "$out/bin/sh"

# Every shared library that the shell, the JVM, the runtime's own libraries and Netty's native transport
# load, copied as plain files to the paths the dynamic loader searches. A library ldd cannot find is one
# that only a part the gateway never loads would need (the desktop module's X11 and sound libraries).
# Netty's native libraries (the epoll transport, BoringSSL for TLS), unpacked here once and for this
# machine's architecture only: the launcher puts /app/lib on java.library.path, where Netty looks before
# unpacking a library into /tmp (which may then be noexec, as Docker's tmpfs is).
case "$(uname -m)" in
  x86_64) arch=x86_64 ;;
  aarch64) arch=aarch_64 ;;
  *) echo "rootfs.sh: no Netty native libraries for $(uname -m)" >&2; exit 1 ;;
esac
netty=$(mktemp -d)
(cd "$netty" && "$JDK/bin/jar" xf /app/gateway.jar META-INF/native)
mkdir -p "$out/app/lib"
cp "$netty"/META-INF/native/*"$arch".so "$out/app/lib/"
chmod 0644 "$out"/app/lib/*.so
for f in "$out/bin/sh" "$out/opt/jre/bin/java" $(find "$out/opt/jre/lib" "$out/app/lib" -name '*.so'); do
  ldd "$f" 2>/dev/null || true
done | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u | while read -r lib; do
  case "$lib" in
    "$out"/*) continue ;;
  esac
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done
rm -rf "$netty"

# The user the gateway runs as (no home, no login shell), and the name service the JVM asks for user and
# host names: files, then DNS (Kubernetes' and Docker's resolv.conf and hosts are mounted at run time).
cat > "$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/nonexistent:/usr/sbin/nologin
gateway:x:10001:10001:gateway:/nonexistent:/usr/sbin/nologin
PASSWD
cat > "$out/etc/group" <<'GROUP'
root:x:0:
gateway:x:10001:
GROUP
echo 'hosts: files dns' > "$out/etc/nsswitch.conf"
