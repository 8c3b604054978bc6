#!/bin/sh
# Install every dependency from Debian 12's packages (qemu for the kernel
# lab, debootstrap for the Wireshark version matrix, and the real servers
# and clients the protocol tests capture: PostgreSQL, MariaDB, Xvfb with
# xdpyinfo, dbus-daemon with dbus-send and gdbus (and GDBus from Python),
# containerd with ctr, php-fpm with cgi-fcgi, dockerd with docker, podman,
# cupsd with lpstat, snapd with snap; busybox-static for a container
# image), build
# udsdump and its Wireshark plugin into build/, and run a real capture of a
# demo workload.
set -eu
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
	ca-certificates build-essential cmake pkg-config clang llvm \
	libbpf-dev bpftool libelf-dev zlib1g-dev libglib2.0-dev \
	libwireshark-dev tshark wireshark-common \
	redis-server redis-tools memcached libmemcached-tools socat curl python3 python3-pytest \
	iproute2 util-linux procps libcap2-bin valgrind libclang-rt-14-dev \
	openssh-server openssh-client passwd xvfb wireshark-qt x11-apps \
	imagemagick tesseract-ocr tesseract-ocr-eng \
	postgresql postgresql-client mariadb-server mariadb-client x11-utils \
	dbus-daemon dbus-bin libglib2.0-bin python3-gi gir1.2-glib-2.0 \
	containerd php8.2-fpm libfcgi-bin docker.io podman cups cups-client busybox-static snapd \
	qemu-system-x86 qemu-system-arm lld file debootstrap

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"

exec ./scripts/demo.sh
