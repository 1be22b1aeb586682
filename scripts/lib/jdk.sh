# Sourced by project scripts: exports JAVA_HOME pointing at a JDK 25 or fails with a clear message.
# Order: $JAVA_HOME if it is 25+, then the usual Debian/Temurin locations.
stockade_java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
stockade_find_jdk() {
  local c v
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/javac" ] || continue
    v=$(stockade_java_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ] 2>/dev/null; then echo "$c"; return 0; fi
  done
  return 1
}
if ! JAVA_HOME=$(stockade_find_jdk); then
  echo "stockade: no JDK 25 found (looked at \$JAVA_HOME and /usr/lib/jvm/*)." >&2
  echo "stockade: install Temurin 25 (expected at /usr/lib/jvm/temurin-25-jdk-amd64) or point JAVA_HOME at a JDK 25." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
