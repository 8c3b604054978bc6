# `kernel-lab run`: one command in one lab kernel, or on the host
# (sourced after the other lib/ files).

# Seconds spent in each step of the last prepare_kernel.
T_DOWNLOAD=0 T_UNPACK=0 T_INITRAMFS=0

# fetch_parts NAME OUT: fetches and unpacks every package of NAME, timed;
# writes one line "dir sha256 package version" a package to OUT.
fetch_parts() {
	: >"$2"
	manifest_fields "$1" >"$2.lines" || exit 2
	while read -r suite pkg ver pin; do
		t=$(now)
		set -- "$1" "$2" $(resolve_deb "$1" "$suite" "$pkg" "$ver" "$pin")
		[ $# -eq 5 ] || exit 2
		T_DOWNLOAD=$(awk -v a="$T_DOWNLOAD" -v b="$(elapsed "$t")" 'BEGIN { print a + b }')
		t=$(now)
		dir=$(unpack_deb "$3") || exit 2
		echo "$dir $3 $4 $5" >>"$2"
		T_UNPACK=$(awk -v a="$T_UNPACK" -v b="$(elapsed "$t")" 'BEGIN { print a + b }')
	done <"$2.lines"
	rm -f "$2.lines"
}

# kernel_arch NAME: the architecture of a lab kernel (its manifest suite's).
kernel_arch() {
	suite_arch "$(manifest_fields "$1" | head -n1 | cut -d' ' -f1)"
}

# prepare_kernel NAME WORKDIR: WORKDIR/parts, WORKDIR/initrd (a link).
prepare_kernel() {
	fetch_parts "$1" "$2/parts"
	case $(kernel_arch "$1") in
	arm64) fetch_parts busybox-arm64 "$2/busybox" ;;
	*) fetch_parts busybox "$2/busybox" ;;
	esac
	t=$(now)
	initrd=$(initramfs_for "$2/parts" "$2/busybox") || exit 2
	ln -sf "$initrd" "$2/initrd"
	T_INITRAMFS=$(elapsed "$t")
}

run_on_host() {
	say "host: uname -r $(uname -r) (no qemu)"
	KERNEL_LAB_KERNEL=host "$@"
}

# report_boot NAME WORKDIR SECONDS: the versions and times of one boot.
report_boot() {
	uptime=$(cut -d' ' -f1 "$2/lab/uptime" 2>/dev/null || echo "?")
	say "$1: guest uname -r $(cat "$2/lab/uname" 2>/dev/null || echo '(none: the boot failed)'); tested $(kernel_versions "$2/parts")"
	say "$1: seconds: download $T_DOWNLOAD, unpack $T_UNPACK, initramfs $T_INITRAMFS, qemu $3 (command started at guest uptime $uptime)"
}

# run_in_kernel NAME SHARES CMD...: boots NAME, runs CMD; CMD's exit status
# (123: the guest's CPUs stalled twice, 124: timeout, 125: the guest never
# reported one).
run_in_kernel() {
	name=$1 shares=$2
	shift 2
	LAB_GUEST_ARCH=$(kernel_arch "$name")
	qemu=$(qemu_for "$LAB_GUEST_ARCH")
	command -v "$qemu" >/dev/null ||
		die "$qemu is missing (apt-get install qemu-system-x86 qemu-system-arm)"
	LAB_GUEST_ROOT=/
	if [ "$LAB_GUEST_ARCH" = arm64 ]; then
		LAB_GUEST_ROOT=$(root_arm64) || exit 2
		root_mount_points "$LAB_GUEST_ROOT" $shares
	fi
	work=$(mktemp -d /tmp/kernel-lab.XXXXXX) || exit 2
	mkdir "$work/lab"
	prepare_kernel "$name" "$work"
	config=$(kernel_config "$work/parts") || exit 2
	image=$(kernel_image "$work/parts") || exit 2
	write_lab_share "$work/lab" "$name" "$config" "$shares" "$@"
	for attempt in 1 2; do
		t=$(now)
		rc=0
		boot_kernel "$image" "$work/initrd" "$work/lab" "$work/kernel.log" "$shares" || rc=$?
		# (an arm64 guest leaves the command's output in the lab share)
		cat "$work/lab/out" 2>/dev/null || true
		report_boot "$name" "$work" "$(elapsed "$t")"
		[ "$attempt" -eq 1 ] || break
		if [ "$rc" -eq 123 ] && [ ! -e "$work/lab/rc" ]; then
			# The guest's CPUs stalled (TCG, 5.10: see LAB_STALL_RE)
			# before the command finished, and it never will: boot
			# once more, loudly. A second stall fails the run.
			say "$name: RETRY: the guest's CPUs stalled before the command finished:"
			grep -m2 -E "$LAB_STALL_RE" "$work/kernel.log" >&2
			mv "$work/kernel.log" "$work/kernel.log.stalled"
			rm -f "$work/lab/rc" "$work/lab/out" "$work/lab/uptime" "$work/lab/uname"
			continue
		fi
		# A guest kernel that panics while booting, before our command
		# starts, under TCG (seen once in 6.12's rcu_gp_kthread at 1.9 s)
		# is qemu's or the kernel's, not udsdump's: boot it once more,
		# loudly. A panic after the command started is never retried.
		[ ! -e "$work/lab/uptime" ] && [ "$rc" -ne 124 ] &&
			grep -q "Kernel panic" "$work/kernel.log" 2>/dev/null || break
		say "$name: RETRY: the kernel panicked while booting, before the command started:"
		grep -m1 -B2 "Kernel panic" "$work/kernel.log" >&2
		mv "$work/kernel.log" "$work/kernel.log.panic"
	done
	if [ -e "$work/lab/rc" ]; then
		rc=$(cat "$work/lab/rc")
	else
		if [ "$rc" -eq 124 ]; then
			say "$name: timed out after ${LAB_TIMEOUT}s"
		elif [ "$rc" -eq 123 ]; then
			say "$name: the guest's CPUs stalled again"
		else
			rc=125
		fi
		say "$name: the command never finished; the kernel log ($work/kernel.log) ends:"
		tail -n 40 "$work/kernel.log" >&2
	fi
	if [ "$rc" -eq 0 ]; then
		rm -rf "$work"
	else
		say "$name: kernel log kept in $work/kernel.log"
	fi
	return "$rc"
}

# cmd_run ARGS...: `run KERNEL [--share HOSTDIR]... -- CMD...`
cmd_run() {
	[ $# -ge 1 ] || die "usage: kernel-lab run KERNEL [--share HOSTDIR]... -- CMD..."
	name=$1 shares=
	shift
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		[ "$1" = "--share" ] && [ $# -ge 2 ] || die "run: expected --share HOSTDIR or --, got '$1'"
		[ -d "$2" ] || die "run: --share $2 is not a directory"
		dir=$(cd "$2" && pwd -P)
		case $dir in *[[:space:],]*) die "run: --share $dir: paths with spaces or commas cannot be shared" ;; esac
		shares="$shares $dir"
		shift 2
	done
	[ $# -ge 2 ] || die "run: no command after --"
	shift
	[ "$name" = host ] || manifest_fields "$name" >/dev/null || exit 2
	# The guest has its own /tmp, /run and /boot: a checkout (and the
	# caller's directory) under them must be shared to exist there. An
	# arm64 guest's root has neither: they are always shared.
	arch=amd64
	[ "$name" = host ] || arch=$(kernel_arch "$name")
	for dir in "$(cd "$LAB_DIR/../.." && pwd -P)" "$(pwd -P)"; do
		case $arch:$dir in
		arm64:/*[!/]* | *:/tmp/* | *:/run/* | *:/boot/*)
			case " $shares " in *" $dir "*) ;; *) shares="$dir $shares" ;; esac ;;
		esac
	done
	if [ "$name" = host ]; then
		run_on_host "$@"
	else
		run_in_kernel "$name" "$shares" "$@"
	fi
}
