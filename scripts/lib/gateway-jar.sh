# Sourced by scripts/run and scripts/token (from the repository root): checks for a JDK 17+ and Maven,
# and builds gateway-cli/target/gateway.jar when it is missing or older than the sources.
# shellcheck disable=SC2034
jar=gateway-cli/target/gateway.jar
ensure_gateway_jar() {
  local me=$1 missing=() version
  command -v java >/dev/null 2>&1 || missing+=("java (JDK 17 or newer)")
  command -v mvn >/dev/null 2>&1 || missing+=("mvn (Maven 3.8 or newer)")
  if [ ${#missing[@]} -gt 0 ]; then
    printf '%s: not found on PATH: %s\n' "$me" "${missing[@]}" >&2
    exit 1
  fi
  version=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  if [ "${version%%.*}" -lt 17 ] 2>/dev/null; then
    echo "$me: java on PATH is version $version; JDK 17 or newer is needed" >&2
    exit 1
  fi
  if [ ! -f "$jar" ] || [ -n "$(find gateway-*/src openapi pom.xml gateway-*/pom.xml -type f -newer "$jar" -print -quit 2>/dev/null)" ]; then
    echo "$me: building $jar" >&2
    mvn -B -q -DskipTests package -pl gateway-cli -am >&2
  fi
}
