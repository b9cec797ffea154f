#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what building, running and testing Ringwall needs on a Debian 12
# machine, and fetches lwIP 2.1.3 from Debian's source package into the build
# folder (never into git). Safe to run again: it only acts on what is missing.
# Usage: deps.sh [BUILD_DIR]   (default: build)
set -euo pipefail
B=${1:-build}
# command -> package
pkgs=(
    qemu-system-x86_64:qemu-system-x86 grub-mkrescue:grub-common grub-file:grub-common
    xorriso:xorriso mformat:mtools iperf3:iperf3 ip:iproute2 ping:iputils-ping
    spin:spin socat:socat busybox:busybox-static cpio:cpio gnuplot:gnuplot
    tshark:tshark traceroute:traceroute hping3:hping3 nmap:nmap fio:fio
)
files=(
    /usr/lib/grub/i386-pc/multiboot2.mod:grub-pc-bin
    /usr/lib/grub/x86_64-efi/multiboot2.mod:grub-efi-amd64-bin
    /usr/share/OVMF/OVMF_CODE_4M.fd:ovmf
    /usr/include/cmocka.h:libcmocka-dev
    /usr/lib/python3/dist-packages/scapy/__init__.py:python3-scapy
    /usr/bin/dpkg-source:dpkg-dev
)
missing=()
for p in "${pkgs[@]}"; do command -v "${p%%:*}" >/dev/null 2>&1 || missing+=("${p#*:}"); done
for f in "${files[@]}"; do [ -e "${f%%:*}" ] || missing+=("${f#*:}"); done
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get install -y -qq $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
fi

# lwIP from Debian's source package, unpacked under $B/lwip.
if [ ! -f "$B/lwip/src/core/tcp.c" ]; then
    echo "deps: fetching lwIP source package" >&2
    apt_dir=$(readlink -f "$B")/apt
    mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/src"
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
    cat > "$apt_dir/sources.list.d/lwip.sources" <<SRC
Types: deb-src
URIs: $mirror
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    aptopt=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$apt_dir/sources.list.d"
            -o Dir::State::Lists="$apt_dir/lists")
    apt-get "${aptopt[@]}" update -qq
    (cd "$apt_dir/src" && apt-get "${aptopt[@]}" source --download-only lwip >/dev/null)
    tarball=$(ls "$apt_dir"/src/lwip_2.1.3*.orig.tar.* | head -1)
    rm -rf "$B/lwip.tmp" && mkdir -p "$B/lwip.tmp"
    tar -xf "$tarball" -C "$B/lwip.tmp"
    top=$(find "$B/lwip.tmp" -mindepth 1 -maxdepth 1 -type d | head -1)
    rm -rf "$B/lwip" && mv "$top" "$B/lwip" && rm -rf "$B/lwip.tmp"
    echo "deps: lwIP unpacked in $B/lwip ($(find "$B/lwip" -type f | wc -l) files)" >&2
fi
