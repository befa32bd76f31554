#!/bin/sh
# Installs the Debian packages samtale needs, only those missing (idempotent).
#   mk/deps.sh build   libraries and compilers for building and running
#   mk/deps.sh test    the above plus test tools (Node modules for the tests)
#   mk/deps.sh bench   the above plus Janus, the benchmark's peer
set -eu
want="$1"

BUILD_PKGS="build-essential pkg-config clang libclang-rt-14-dev clang-format \
libwebsockets-dev libssl-dev libsrtp2-dev libopus-dev libvpx-dev \
libjansson-dev libsqlite3-dev libspandsp-dev libspeexdsp-dev libosip2-dev openssl ca-certificates curl nodejs npm espeak-ng"
TEST_PKGS="libcmocka-dev iproute2 nftables chromium firefox-esr coturn baresip-core"

BENCH_PKGS="janus"

pkgs="$BUILD_PKGS"
[ "$want" = test ] && pkgs="$pkgs $TEST_PKGS"
[ "$want" = bench ] && pkgs="$pkgs $TEST_PKGS $BENCH_PKGS"

missing=""
for p in $pkgs; do
    # node may come from elsewhere than Debian's package; accept a working one.
    case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
    esac
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    echo "installing Debian packages:$missing"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# Tests start their own turnserver in their own namespace; a system service
# started by the package would only hold the ports.
if [ "$want" != build ] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now coturn >/dev/null 2>&1 || true
    # The benchmark starts Janus itself with its own configuration.
    [ "$want" = bench ] && { systemctl disable --now janus >/dev/null 2>&1 || true; }
fi

if [ "$want" != build ]; then
    # Node modules for the integration and end-to-end tests, pinned by the lock file.
    if [ ! -d tests/node_modules ] || [ tests/package-lock.json -nt tests/node_modules ]; then
        (cd tests && npm ci --no-audit --no-fund --loglevel=error)
        touch tests/node_modules
    fi
fi

# Front-end libraries the web client serves (pdf rendering and the like).
sh mk/vendor.sh
