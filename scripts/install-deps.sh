#!/usr/bin/env bash
# Installs, from Debian 12's packages, everything that building ovs-nat64 and
# running scripts/test.sh and scripts/lint.sh need.  Idempotent: packages
# already installed are left alone, and when nothing is missing it does not
# touch apt at all (INSTALL_DEPS_FORCE=1 runs apt-get update + install anyway).
#
#   sudo scripts/install-deps.sh
set -euo pipefail

PACKAGES=(
    # compilers and build tools
    build-essential cmake ninja-build pkg-config
    # clang with libFuzzer and the sanitizer runtimes (fuzz stage)
    clang libclang-rt-14-dev
    # llvm-symbolizer: file:line in sanitizer and libFuzzer stack traces
    llvm
    # libraries
    libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libpcap-dev
    # nat64d: host routes, neighbours and addresses through rtnetlink
    libnl-3-dev libnl-route-3-dev
    # tests and benchmarks
    libgtest-dev libgmock-dev libbenchmark-dev
    python3 python3-scapy tcpdump
    # bench/netns/bench-netns.sh: traffic generators, TAYGA for comparison
    iperf3 netsniff-ng tayga
    # scripts/lint.sh
    clang-format clang-tidy
    # the patched Open vSwitch (ovs-action/ovs-build.cmake): its source, the
    # autotools that boot.sh runs after our patches edit lib/automake.mk,
    # and what configure --enable-afxdp needs
    openvswitch-source patch autoconf automake libtool
    libxdp-dev libbpf-dev libnuma-dev libssl-dev libcap-ng-dev
    # ... and libunbound-dev, so that it has the features of Debian's build
    # (ovs-vswitchd resolves host names in remotes), which the packages
    # replace (packaging/build-debs.sh)
    libunbound-dev
    # packaging/build-debs.sh and its install test: the nat64d man page,
    # lintian, a clean Debian 12 root to install the packages into
    help2man lintian debootstrap
    # upstream's Python flow-parser tests for the patched OVS
    python3-netaddr python3-pyparsing python3-pytest
    # end-to-end tests and scripts/sandbox.sh (network namespaces, real traffic)
    iproute2 procps ethtool iputils-ping iputils-tracepath traceroute curl socat ndisc6
    # nat64ctl's generated man page is checked with groff
    groff-base
    # the Proxmox zone plugin (Perl) and its GUI panel (checked with node)
    perl libnet-ip-perl nodejs
    # DNS64: nat64d's resolver configuration is tested with the real unbound
    unbound bind9-dnsutils
)

log() { printf 'install-deps: %s\n' "$*"; }

if [[ $(id -u) -ne 0 ]]; then
    printf 'install-deps: ERROR: must run as root (apt-get install); try: sudo %s\n' "$0" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null || [[ ! -r /etc/debian_version ]]; then
    printf 'install-deps: ERROR: this script is for Debian 12 (apt-get not found)\n' >&2
    exit 1
fi

installed() {
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

missing=()
for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 && ${INSTALL_DEPS_FORCE:-0} != 1 ]]; then
    log "all ${#PACKAGES[@]} packages already installed; nothing to do"
    exit 0
fi
if [[ ${#missing[@]} -gt 0 ]]; then
    log "missing: ${missing[*]}"
fi

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-y -q -o DPkg::Lock::Timeout=300)

log "running: apt-get update"
apt-get "${APT_OPTS[@]}" update

log "running: apt-get install --no-install-recommends ${PACKAGES[*]}"
apt-get "${APT_OPTS[@]}" install --no-install-recommends "${PACKAGES[@]}"

still=()
for p in "${PACKAGES[@]}"; do
    installed "$p" || still+=("$p")
done
if [[ ${#still[@]} -gt 0 ]]; then
    printf 'install-deps: ERROR: still not installed: %s\n' "${still[*]}" >&2
    exit 1
fi
log "done: ${#PACKAGES[@]} packages installed"
