# `kernel-lab ci|all BUILD_DIR`: guest_check.py in several kernels, one
# boot each, and a table of the results (sourced after run.sh).

LAB_CI_KERNELS="bullseye-5.10 bookworm-6.1 sid-7"

# check_one KERNEL BUILD RESULTS: one guest_check run; appends
# "KERNEL EXIT SECONDS JSON" to RESULTS (JSON empty when the lab failed).
check_one() {
	t=$(now)
	out=$(mktemp)
	rc=0
	(cmd_run "$1" --share "$2" -- /usr/bin/python3 "$LAB_DIR/guest_check.py" \
		--kernel "$1" "$2/udsdump") >"$out" || rc=$?
	secs=$(elapsed "$t")
	cat "$out"
	echo "$1 $rc $secs $(grep '^{' "$out" | tail -n1)" >>"$3"
	rm -f "$out"
}

cmd_matrix() {
	mode=$1
	shift
	[ $# -eq 1 ] || die "usage: kernel-lab $mode BUILD_DIR"
	[ -x "$1/udsdump" ] || die "$1/udsdump is not an executable (build udsdump first)"
	build=$(cd "$1" && pwd -P)
	case $mode in
	ci) kernels=$LAB_CI_KERNELS ;;
	*) kernels="$(manifest_names) host" ;;
	esac
	results=$(mktemp)
	for k in $kernels; do
		check_one "$k" "$build" "$results"
	done
	rc=0
	/usr/bin/python3 "$LAB_DIR/table.py" "$results" || rc=$?
	rm -f "$results"
	return "$rc"
}
