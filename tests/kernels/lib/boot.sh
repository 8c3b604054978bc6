# Booting a lab kernel under qemu (TCG) with the host's root over 9p, and
# running one command in it (sourced after the other lib/ files).

LAB_TIMEOUT=${KERNEL_LAB_TIMEOUT:-300}
LAB_MEMORY=${KERNEL_LAB_MEMORY:-2048}

# sh_quote ARGS...: the arguments as one line of shell words.
sh_quote() {
	for a in "$@"; do
		printf "'%s' " "$(printf %s "$a" | sed "s/'/'\\\\''/g")"
	done
	echo
}

# write_lab_share DIR NAME CONFIG SHARES CMD...: the files the guest's /init
# reads: the command (run from the caller's directory), the shares to
# mount, the kernel's config.
write_lab_share() {
	dir=$1 name=$2 config=$3 shares=$4
	shift 4
	cp "$config" "$dir/config"
	: >"$dir/shares"
	n=0
	for s in $shares; do
		echo "share$n $s" >>"$dir/shares"
		n=$((n + 1))
	done
	{
		echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
		echo "export HOME=/root LANG=C.UTF-8 KERNEL_LAB_KERNEL=$name CI=${CI:-}"
		echo "cd $(sh_quote "$PWD") 2>/dev/null || cd /"
		sh_quote "$@"
	} >"$dir/cmd"
}

# The guest's architecture (amd64 or arm64) and its root directory: the
# host's / for amd64, the arm64 root (rootfs.sh) for arm64. Set by
# run_in_kernel.
LAB_GUEST_ARCH=amd64
LAB_GUEST_ROOT=/

# qemu_for ARCH: the qemu program of a guest of ARCH.
qemu_for() {
	case $1 in
	arm64) echo qemu-system-aarch64 ;;
	*) echo qemu-system-x86_64 ;;
	esac
}

# What a guest kernel prints when its CPUs have stalled: seen under TCG in
# 5.10, a CPU held on a just-patched jump label as a syscall tracepoint
# was attached, the guest hung until the boot timed out.
LAB_STALL_RE='soft lockup - CPU|detected stalls on CPUs'

# stall_watch LOG PID: while PID (the boot's flock) runs, end the boot as
# soon as the kernel LOG shows stalled CPUs, leaving LOG.stalled: the
# guest will not recover, and the timeout is minutes away. (flock does
# not pass signals on; timeout, its child, passes them to qemu.)
stall_watch() {
	while kill -0 "$2" 2>/dev/null; do
		if grep -qE "$LAB_STALL_RE" "$1" 2>/dev/null; then
			: >"$1.stalled"
			pkill -TERM -P "$2"
			return 0
		fi
		sleep 1
	done
}

# boot_kernel IMAGE INITRD LABDIR LOG SHARES: runs qemu (one at a time on
# this machine, niced so it disturbs other work less) with the kernel log
# on the first serial port to LOG and (amd64) ttyS1 on stdout; its exit
# status, 124 on timeout, 123 when the guest's CPUs stalled (stall_watch).
boot_kernel() {
	image=$1 initrd=$2 labdir=$3 log=$4 shares=$5
	append="panic=-1 rdinit=/init${KERNEL_LAB_APPEND:+ $KERNEL_LAB_APPEND}"
	if [ "$LAB_GUEST_ARCH" = arm64 ]; then
		# (TCG's own pointer authentication: the architected one costs
		# much of an emulated arm64's speed)
		set -- -accel tcg -cpu max,pauth-impdef=on -machine virt -m "$LAB_MEMORY" -smp 2 \
			-nodefaults -no-user-config -display none -no-reboot \
			-kernel "$image" -initrd "$initrd" \
			-append "console=ttyAMA0 $append" \
			-chardev "file,id=klog,path=$log" -serial chardev:klog
	else
		set -- -accel tcg -cpu max -machine pc -m "$LAB_MEMORY" -smp 2 \
			-nodefaults -no-user-config -display none -no-reboot \
			-kernel "$image" -initrd "$initrd" \
			-append "console=ttyS0,115200 8250.nr_uarts=2 $append" \
			-chardev "file,id=klog,path=$log" -serial chardev:klog \
			-chardev stdio,id=out,signal=off -serial chardev:out
	fi
	set -- "$@" \
		-fsdev local,id=hostroot,path="$LAB_GUEST_ROOT",security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
		-fsdev "local,id=lab,path=$labdir,security_model=none" \
		-device virtio-9p-pci,fsdev=lab,mount_tag=lab
	n=0
	for s in $shares; do
		set -- "$@" -fsdev "local,id=share$n,path=$s,security_model=none,multidevs=remap" \
			-device "virtio-9p-pci,fsdev=share$n,mount_tag=share$n"
		n=$((n + 1))
	done
	mkdir -p "$LAB_CACHE"
	rm -f "$log.stalled"
	flock "$LAB_CACHE/qemu.lock" timeout -k 10 "$LAB_TIMEOUT" \
		nice -n 10 "$(qemu_for "$LAB_GUEST_ARCH")" "$@" </dev/null &
	boot_pid=$!
	stall_watch "$log" "$boot_pid" &
	watch_pid=$!
	boot_rc=0
	wait "$boot_pid" || boot_rc=$?
	kill "$watch_pid" 2>/dev/null || true
	wait "$watch_pid" 2>/dev/null || true
	[ -e "$log.stalled" ] && return 123
	return "$boot_rc"
}
