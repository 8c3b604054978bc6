# The guest's initramfs: busybox, the lab's /init and the modules 9p needs,
# cached under a key of everything it is built from (sourced after
# common.sh, fetch.sh and kernel.sh).

# Modules the guest loads to reach the host's root over virtio-9p; their
# dependencies are found in each module's own .modinfo.
LAB_MODULES="virtio virtio_ring virtio_pci 9pnet 9pnet_virtio 9p"

# initramfs_key KERNEL_SHAS BUSYBOX_SHA: the cache key of an initramfs.
# It changes with the kernel's packages, the init script, busybox and this
# builder (which picks the modules).
initramfs_key() {
	{
		echo "kernel $1"
		echo "busybox $2"
		echo "init $(sha256_of "$LAB_INIT")"
		echo "builder $(sha256_of "$LAB_DIR/lib/initramfs.sh")"
	} | sha256sum | cut -d' ' -f1
}

# module_file MODDIRS NAME: the module's file (NAME may use - or _).
module_file() {
	alt=$(echo "$2" | tr _ -)
	for d in $1; do
		[ -d "$d/kernel" ] && find "$d/kernel" \( -name "$2.ko*" -o -name "$alt.ko*" \)
	done | head -n1
}

# is_builtin MODDIRS NAME
is_builtin() {
	cat $(for d in $1; do echo "$d/modules.builtin"; done | xargs ls 2>/dev/null) /dev/null |
		grep -Eq "/($2|$(echo "$2" | tr _ -))\.ko\$"
}

unpacked_module() {
	case $1 in
	*.ko.xz) xz -dc "$1" ;;
	*.ko.zst) zstd -qdc "$1" ;;
	*.ko.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

# add_module MODDIRS NAME OUT: copies NAME and its dependencies (first) into
# OUT/lib/modules and appends them to OUT/modules.load; built-in modules
# are skipped.
add_module() {
	grep -qx "$2" "$3/modules.load" 2>/dev/null && return 0
	f=$(module_file "$1" "$2") || exit 2
	if [ -z "$f" ]; then
		is_builtin "$1" "$2" || die "module $2 is neither in$1 nor built in"
		return 0
	fi
	unpacked_module "$f" >"$3/lib/modules/$2.ko"
	deps=$(tr '\0' '\n' <"$3/lib/modules/$2.ko" | sed -n 's/^depends=//p' | tr , ' ')
	for dep in $deps; do
		add_module "$1" "$dep" "$3"
	done
	echo "$2" >>"$3/modules.load"
}

# build_initramfs PARTS BUSYBOX_DIR OUT: writes the initramfs (gzipped
# newc cpio) to OUT.
build_initramfs() {
	root=$(mktemp -d "$LAB_CACHE/initramfs.XXXXXX") || exit 2
	mkdir -p "$root/bin" "$root/lib/modules" "$root/proc" "$root/sys" \
		"$root/dev" "$root/newroot"
	cp "$2/bin/busybox" "$root/bin/busybox"
	cp "$LAB_INIT" "$root/init"
	chmod 755 "$root/init"
	: >"$root/modules.load"
	moddirs=$(kernel_module_dirs "$1") || exit 2
	for m in $LAB_MODULES; do
		add_module "$moddirs" "$m" "$root"
	done
	# (the archive is written by this host's busybox: the guest's may be
	# another architecture's)
	(cd "$root" && find . | sort | "$(host_busybox)" cpio -o -H newc 2>/dev/null) |
		gzip -1 >"$3.tmp" || die "cannot build the initramfs in $root"
	[ "$(gzip -dc "$3.tmp" | wc -c)" -gt 100000 ] || die "the initramfs built in $root is empty"
	mv "$3.tmp" "$3"
	rm -rf "$root"
}

# host_busybox: the busybox of this host's architecture, from the pinned
# package.
host_busybox() {
	fetch_parts busybox "$LAB_CACHE/busybox-host.$$"
	echo "$(cut -d' ' -f1 "$LAB_CACHE/busybox-host.$$")/bin/busybox"
	rm -f "$LAB_CACHE/busybox-host.$$"
}

# initramfs_for PARTS BUSYBOX_PARTS: the cached initramfs, built if needed.
initramfs_for() {
	shas=$(cut -d' ' -f2 "$1" | paste -sd' ' -)
	key=$(initramfs_key "$shas" "$(cut -d' ' -f2 "$2")")
	out=$LAB_CACHE/initramfs/$key.cpio.gz
	if [ ! -e "$out" ]; then
		mkdir -p "$LAB_CACHE/initramfs"
		busybox=$(cut -d' ' -f1 "$2")
		build_initramfs "$1" "$busybox" "$out"
	fi
	echo "$out"
}
