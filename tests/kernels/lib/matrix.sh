# `kernel-lab ci|all BUILD_DIR`: guest_check.py in several kernels, one
# boot each, and a table of the results (sourced after run.sh).

LAB_CI_KERNELS="bullseye-5.10 bookworm-6.1 sid-7"

# check_one KERNEL BUILD RESULTS UDSDUMP_ARGS...: one guest_check run;
# appends "KERNEL EXIT SECONDS JSON" to RESULTS (no JSON when the lab
# itself failed).
check_one() {
	kernel=$1 build=$2 results=$3
	shift 3
	t=$(now)
	out=$(mktemp)
	rc=0
	(cmd_run "$kernel" --share "$build" -- /usr/bin/python3 \
		"$LAB_DIR/guest_check.py" --kernel "$kernel" "$build/udsdump" "$@") >"$out" || rc=$?
	secs=$(elapsed "$t")
	cat "$out"
	echo "$kernel $rc $secs $(grep '^{' "$out" | tail -n1)" >>"$results"
	rm -f "$out"
}

# check_lockdown KERNEL BUILD RESULTS: the same kernel booted with
# lockdown=confidentiality, where udsdump must refuse with its line;
# appends "KERNEL+lockdown EXIT SECONDS JSON" to RESULTS.
check_lockdown() {
	kernel=$1 build=$2 results=$3
	t=$(now)
	out=$(mktemp)
	rc=0
	(KERNEL_LAB_APPEND=lockdown=confidentiality cmd_run "$kernel" --share "$build" -- \
		/usr/bin/python3 "$LAB_DIR/guest_lockdown.py" --kernel "$kernel" "$build") >"$out" || rc=$?
	secs=$(elapsed "$t")
	cat "$out"
	echo "$kernel+lockdown $rc $secs $(grep '^{' "$out" | tail -n1)" >>"$results"
	rm -f "$out"
}

# cmd_matrix ci|all BUILD_DIR [-- UDSDUMP_ARGS...]
cmd_matrix() {
	mode=$1
	shift
	[ $# -eq 1 ] || { [ $# -gt 1 ] && [ "$2" = "--" ]; } ||
		die "usage: kernel-lab $mode BUILD_DIR [-- UDSDUMP_ARGS...]"
	[ -x "$1/udsdump" ] || die "$1/udsdump is not an executable (build udsdump first)"
	build=$(cd "$1" && pwd -P)
	shift $(($# > 1 ? 2 : 1))
	case $mode in
	ci) kernels=$LAB_CI_KERNELS ;;
	*) kernels="$(manifest_names) host" ;;
	esac
	results=$(mktemp)
	for k in $kernels; do
		check_one "$k" "$build" "$results" "$@"
		# (the kernel's own rung only: a forced one changes nothing there)
		if [ "$k" != host ] && [ $# -eq 0 ]; then
			check_lockdown "$k" "$build" "$results"
		fi
	done
	rc=0
	# a forced variant (udsdump arguments given) is not the kernel's own:
	# every check must still pass, but tests/kernels/expect does not apply
	KERNEL_LAB_FORCED=$([ $# -gt 0 ] && echo 1 || echo 0) \
		/usr/bin/python3 "$LAB_DIR/table.py" "$results" || rc=$?
	rm -f "$results"
	return "$rc"
}

# cmd_arm64 ARM64_BUILD_DIR: guest_check in each arm64 kernel of the
# manifest with the cross-built udsdump (scripts/build-arm64), and the
# table. (TCG runs arm64 as fast as the amd64 guests: the whole check.)
cmd_arm64() {
	[ $# -eq 1 ] || die "usage: kernel-lab arm64 ARM64_BUILD_DIR"
	[ -x "$1/udsdump" ] || die "$1/udsdump is not an executable (run scripts/build-arm64 $1 first)"
	case $(file -b "$1/udsdump") in
	*aarch64*) ;;
	*) die "$1/udsdump is not an arm64 program (scripts/build-arm64 builds one)" ;;
	esac
	build=$(cd "$1" && pwd -P)
	results=$(mktemp)
	for k in $(manifest_names arm64); do
		check_one "$k" "$build" "$results"
	done
	rc=0
	/usr/bin/python3 "$LAB_DIR/table.py" "$results" || rc=$?
	rm -f "$results"
	return "$rc"
}
