#!/bin/sh
# `cmake --install` as a user of the package sees it: every file lands in a
# temporary prefix, the installed command runs from there, a C program
# built with pkg-config and a CMake project built with
# find_package(bucketguard) both talk to the installed emulator through the
# installed library, the manual pages render and cover the whole API, and
# bash completion offers every command the installed command lists.
set -eu

build=${BG_BUILD_DIR:?BG_BUILD_DIR is not set}
work=$(mktemp -d "${TMPDIR:-/tmp}/bg-install.XXXXXX")
prefix=$work/prefix
emu_pid=

cleanup() {
    if [ -n "$emu_pid" ]; then
        kill "$emu_pid" 2>/dev/null || true
        wait "$emu_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
    echo "test_install: FAIL: $*" >&2
    exit 1
}

pass() {
    echo "ok - $*"
}

# Programs built here must match the library: a sanitizer build needs the
# sanitizer runtime first in the program too.
cflags=
if grep -q '^BG_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    cflags="-fsanitize=address,undefined -fno-omit-frame-pointer"
fi

# ---- every file is installed --------------------------------------------

cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; fail "cmake --install failed"; }

pc=$(find "$prefix" -name bucketguard.pc)
[ -n "$pc" ] || fail "no bucketguard.pc installed"
libdir=$(dirname "$(dirname "$pc")")
for f in bin/bucketguard bin/bucketguard-emulator \
    include/bucketguard/bucketguard.h \
    share/man/man1/bucketguard.1 share/man/man1/bucketguard-emulator.1 \
    share/man/man3/libbucketguard.3 \
    share/bash-completion/completions/bucketguard \
    share/bucketguard/deploy/systemd/bucketguard-monitor.service \
    share/bucketguard/deploy/prometheus/bucketguard.rules.yml \
    share/bucketguard/deploy/grafana/bucketguard.json; do
    [ -f "$prefix/$f" ] || fail "$f is not installed"
done
for f in libbucketguard.so libbucketguard.so.0 libbucketguard.a \
    cmake/bucketguard/bucketguardConfig.cmake \
    cmake/bucketguard/bucketguardConfigVersion.cmake; do
    [ -e "$libdir/$f" ] || fail "$f is not installed in $libdir"
done
[ -x "$prefix/share/bucketguard/deploy/platform/start.sh" ] ||
    fail "deploy/platform/start.sh is not installed executable"
pass "every file is installed under the prefix"

# ---- the installed command runs from the prefix --------------------------

version=$(env -u LD_LIBRARY_PATH "$prefix/bin/bucketguard" --version) ||
    fail "the installed bucketguard does not run"
case $version in
*0.1.0*) ;;
*) fail "bucketguard --version said '$version'" ;;
esac
ldd "$prefix/bin/bucketguard" | grep -q "$prefix/.*libbucketguard" ||
    fail "the installed command does not load the installed library"
pass "the installed command runs and loads the installed library"

# ---- the installed emulator serves an object -----------------------------

"$prefix/bin/bucketguard-emulator" --port 0 --quiet \
    --keys-file "$work/emu.env" --bucket docs \
    --object docs/hello.txt=installed &
emu_pid=$!
i=0
while [ ! -s "$work/emu.env" ]; do
    i=$((i + 1))
    [ $i -le 100 ] || fail "the installed emulator did not start"
    kill -0 "$emu_pid" 2>/dev/null || fail "the installed emulator exited"
    sleep 0.1
done

cat >"$work/hello.c" <<'EOF'
/* Reads an object through the installed library: the keys come from the
 * dotenv file named by argv[1]; prints the object and the route used. */
#include <stdio.h>
#include <string.h>
#include <bucketguard/bucketguard.h>

int main(int argc, char **argv)
{
    bg_config *cfg = bg_config_new();
    bg_client *c = NULL;
    bg_report rep;
    void *data = NULL;
    size_t len = 0;
    bg_result r;

    if (argc != 2 || cfg == NULL)
        return 2;
    r = bg_config_load_env_file(cfg, argv[1]);
    if (r == BG_OK)
        r = bg_client_new(cfg, &c);
    bg_config_free(cfg);
    if (r == BG_OK)
        r = bg_get_mem(c, "docs", "hello.txt", &data, &len, &rep);
    if (r != BG_OK) {
        fprintf(stderr, "hello: %s\n", bg_strerror(r));
        bg_client_free(c);
        return 1;
    }
    printf("%.*s via %s\n", (int)len, (const char *)data, rep.route);
    bg_free(data);
    bg_client_free(c);
    return 0;
}
EOF

# ---- pkg-config: compile, link and run against the installed library ----

export PKG_CONFIG_PATH="$libdir/pkgconfig"
[ "$(pkg-config --modversion bucketguard)" = 0.1.0 ] ||
    fail "pkg-config --modversion bucketguard is not 0.1.0"
# shellcheck disable=SC2046,SC2086
cc -std=c11 -Wall -Werror $cflags $(pkg-config --cflags bucketguard) \
    -o "$work/hello" "$work/hello.c" $(pkg-config --libs bucketguard) \
    -Wl,-rpath,"$libdir" || fail "cannot build a program with pkg-config"
out=$(env -u LD_LIBRARY_PATH "$work/hello" "$work/emu.env") ||
    fail "the pkg-config program failed"
[ "$out" = "installed via default" ] ||
    fail "the pkg-config program printed '$out'"
ldd "$work/hello" | grep -q "$libdir/libbucketguard.so.0" ||
    fail "the pkg-config program did not load the installed library"
pass "a program built with pkg-config reads an object: $out"

# ---- CMake: find_package, shared and static ------------------------------

mkdir "$work/proj"
cp "$work/hello.c" "$work/proj/hello.c"
cat >"$work/proj/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.18)
project(hello LANGUAGES C)
find_package(bucketguard 0.1 REQUIRED)
add_executable(hello_shared hello.c)
target_link_libraries(hello_shared PRIVATE bucketguard::bucketguard)
add_executable(hello_static hello.c)
target_link_libraries(hello_static PRIVATE bucketguard::static)
EOF
if ! cmake -S "$work/proj" -B "$work/proj/build" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_FLAGS="$cflags" \
    >"$work/cmake.log" 2>&1 ||
    ! cmake --build "$work/proj/build" >>"$work/cmake.log" 2>&1; then
    cat "$work/cmake.log" >&2
    fail "find_package(bucketguard) failed"
fi
for kind in shared static; do
    out=$(env -u LD_LIBRARY_PATH "$work/proj/build/hello_$kind" \
        "$work/emu.env") || fail "the CMake $kind program failed"
    [ "$out" = "installed via default" ] ||
        fail "the CMake $kind program printed '$out'"
done
ldd "$work/proj/build/hello_static" | grep -q libbucketguard &&
    fail "the static program loads the shared library"
pass "find_package(bucketguard) builds working shared and static programs"

# ---- manual pages --------------------------------------------------------

for page in man1/bucketguard.1 man1/bucketguard-emulator.1 \
    man3/libbucketguard.3; do
    warnings=$(groff -man -Tutf8 -ww -z "$prefix/share/man/$page" 2>&1)
    [ -z "$warnings" ] || fail "$page: $warnings"
done
functions=$(sed -n 's/^BG_API .*[ *]\(bg_[a-z_0-9]*\)(.*/\1/p' \
    "$prefix/include/bucketguard/bucketguard.h")
[ "$(echo "$functions" | wc -l)" -ge 50 ] ||
    fail "fewer than 50 public functions found in the installed header"
missing=
for fn in $functions; do
    grep -q "$fn" "$prefix/share/man/man3/libbucketguard.3" ||
        missing="$missing $fn"
done
[ -z "$missing" ] || fail "libbucketguard(3) does not document:$missing"
pass "the manual pages render cleanly; libbucketguard(3) covers every function"

# ---- bash completion -----------------------------------------------------

commands=$("$prefix/bin/bucketguard" --help |
    sed -n '/^Commands:/,/^$/p; /measure. Commands:/,/^$/p' |
    awk '/^  [a-z]/ { print $1 }')
[ -n "$commands" ] || fail "no commands found in bucketguard --help"
offered=$(bash -c '
    . "$1"
    COMP_WORDS=(bucketguard "")
    COMP_CWORD=1
    _bucketguard
    printf "%s\n" "${COMPREPLY[@]}"' sh \
    "$prefix/share/bash-completion/completions/bucketguard")
for cmd in $commands; do
    echo "$offered" | grep -qx "$cmd" ||
        fail "bash completion does not offer '$cmd'"
done
pass "bash completion offers every command of bucketguard --help"
