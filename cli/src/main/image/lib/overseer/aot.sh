# Sourced by Overseer's launchers (bin/overseer in a checkout, bin/overseer in the installed image).
#
# overseer_aot CACHE INPUT...: sets the array aot_flags to start the JVM from the AOT cache CACHE (JEP 483/514,
# JDK 25), making it first when it is missing or older than any INPUT (the jars, the runtime's lib/modules). The
# JVM of the caller's array jvm_flags is trained by overseer.cli.AotTraining on the class path $cp, with $java.
# Making it costs a few seconds once per build; if it fails (a full disk) or cannot be written (a read-only
# install), the command runs without the cache, and a failed attempt is not repeated before a new build.
# The JVM checks the cache too and ignores a mismatched one: -Xlog:aot*=off -Xlog:cds*=off keep its warning
# from the user's terminal (and from stdout, where the JVM writes warnings, mixed with the command's output).
overseer_aot() {
  local cache="$1"; shift
  aot_flags=(-Xlog:aot*=off -Xlog:cds*=off)
  if [ "${OVERSEER_AOT:-1}" = 0 ]; then
    return
  fi
  # A cache is for one runtime and one class path (the JVM compares the jars by path, size and time): with another
  # java, or moved elsewhere, it is made again.
  local stale="" made_for="" key="$java $cp"
  [ -f "$cache.classpath" ] && made_for="$(<"$cache.classpath")"
  if [ ! -f "$cache" ] || [ "$made_for" != "$key" ] || [ -n "$(find "$@" -newer "$cache" -print -quit 2>/dev/null)" ]; then
    stale=1
  fi
  if [ -n "$stale" ] && [ -w "$(dirname "$cache")" ] \
     && { [ ! -f "$cache.failed" ] || [ -n "$(find "$@" -newer "$cache.failed" -print -quit 2>/dev/null)" ]; }; then
    echo "overseer: preparing the start-up cache (once per build)..." >&2
    local tmp="$cache.$$.tmp"
    if "$java" "${jvm_flags[@]}" "${aot_flags[@]}" -XX:AOTCacheOutput="$tmp" -cp "$cp" overseer.cli.AotTraining \
        >/dev/null 2>&1 && [ -s "$tmp" ] && printf '%s\n' "$key" > "$cache.classpath" && mv -f "$tmp" "$cache"; then
      rm -f "$cache.failed" 2>/dev/null
      stale=""
    else
      rm -f "$tmp" "$tmp.config" 2>/dev/null
      : > "$cache.failed" 2>/dev/null || true
    fi
  fi
  if [ -z "$stale" ]; then
    aot_flags+=(-XX:AOTCache="$cache")
  fi
}
