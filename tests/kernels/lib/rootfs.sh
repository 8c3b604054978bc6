# The arm64 root: the arm64 guest's root filesystem and the sysroot of the
# arm64 cross build (scripts/build-arm64). Debian's own arm64 packages,
# pinned in root-arm64.manifest, unpacked (not installed: no maintainer
# script runs, none is needed to link against them or to run udsdump and
# the lab's Python checks) into one directory cached under a key of their
# sha256s (sourced after common.sh and fetch.sh).

LAB_ROOT_MANIFEST=$LAB_DIR/root-arm64.manifest
LAB_ROOT_SUITE=bookworm:arm64
# What the root is for: linking udsdump (libc, libgcc, the kernel headers,
# libbpf, libelf, zlib, glib), running it and the guest's checks (python3,
# busybox for /bin/sh).
LAB_ROOT_PACKAGES="libc6-dev libgcc-12-dev linux-libc-dev libbpf-dev libelf-dev zlib1g-dev libglib2.0-dev busybox-static python3"

# cmd_pin_root: resolves the closure of LAB_ROOT_PACKAGES in
# LAB_ROOT_SUITE now and rewrites the manifest (its own commit).
cmd_pin_root() {
	lab_apt_update "$LAB_ROOT_SUITE"
	dl=$(mktemp -d "$LAB_CACHE/root-dl.XXXXXX") || exit 2
	# (no lock: the host's own apt may be running; nothing here is shared)
	lab_apt apt-get "$LAB_ROOT_SUITE" -y -qq --download-only --no-install-recommends \
		-o Debug::NoLocking=true -o Dir::Cache::archives="$dl/" \
		install $LAB_ROOT_PACKAGES >"$dl.log" 2>&1 ||
		die "resolving the arm64 root failed: $(grep -v '^W:' "$dl.log" | tail -n1)"
	{
		echo "# The arm64 root (tests/kernels/lib/rootfs.sh), pinned by 'kernel-lab pin-root'."
		echo "# name       suite           package   version   sha256 of the .deb"
		mkdir -p "$LAB_CACHE/debs"
		for deb in "$dl"/*.deb; do
			sha=$(sha256_of "$deb")
			echo "root-arm64 $LAB_ROOT_SUITE $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version) $sha"
			mv "$deb" "$LAB_CACHE/debs/$sha.deb"
		done
	} >"$LAB_ROOT_MANIFEST.tmp"
	mv "$LAB_ROOT_MANIFEST.tmp" "$LAB_ROOT_MANIFEST"
	rm -rf "$dl" "$dl.log"
	say "pinned $(grep -c '^root-arm64' "$LAB_ROOT_MANIFEST") packages in $LAB_ROOT_MANIFEST"
}

# root_arm64: the path of the unpacked root, built if needed. Prints the
# packages it was made of on stderr when it builds it.
root_arm64() {
	parts=$(mktemp) || exit 2
	LAB_MANIFEST=$LAB_ROOT_MANIFEST fetch_parts root-arm64 "$parts"
	key=$({
		cut -d' ' -f2 "$parts" | sort
		echo "builder $(sha256_of "$LAB_DIR/lib/rootfs.sh")"
	} | sha256sum | cut -d' ' -f1)
	root=$LAB_CACHE/rootfs/$key
	if [ ! -e "$root/.complete" ]; then
		rm -rf "$root" "$root.tmp"
		mkdir -p "$root.tmp"
		for dir in $(cut -d' ' -f1 "$parts"); do
			cp -a "$dir"/. "$root.tmp"/ || die "cannot copy $dir into the arm64 root"
		done
		rm -f "$root.tmp/.complete"
		finish_root "$root.tmp"
		: >"$root.tmp/.complete"
		mv "$root.tmp" "$root"
		say "arm64 root $root: $(wc -l <"$parts") packages ($(cut -d' ' -f3,4 "$parts" | grep -E '^(libc6|libbpf1|python3\.[0-9]+) ' | paste -sd, -))"
	fi
	rm -f "$parts"
	echo "$root"
}

# finish_root DIR: what the packages' maintainer scripts would have made
# and the guest needs: /bin/sh and the other commands the checks run
# (mount, unshare: busybox's, where no package gave them), the mount
# points of its /init. (This host's busybox, the same version, lists the
# applets: the arm64 one cannot run here.)
finish_root() {
	"$(host_busybox)" --list-full | while read -r applet; do
		[ -e "$1/$applet" ] || [ -L "$1/$applet" ] && continue
		mkdir -p "$1/$(dirname "$applet")"
		ln -s /bin/busybox "$1/$applet"
	done
	[ -e "$1/bin/sh" ] || die "the arm64 root has no /bin/sh"
	mkdir -p "$1/proc" "$1/sys" "$1/dev" "$1/tmp" "$1/run" "$1/boot" "$1/root"
	chmod 1777 "$1/tmp"
}

# root_mount_points ROOT DIR...: the directories the guest mounts shares
# on must exist in its read-only root.
root_mount_points() {
	root=$1
	shift
	for d in "$@"; do
		mkdir -p "$root$d"
	done
}
