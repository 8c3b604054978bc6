# A lab kernel's files: its packages fetched and unpacked, and the paths of
# its image, config and modules (sourced after common.sh and fetch.sh).

# kernel_file PARTS GLOB: the one file matching GLOB in any package dir of
# PARTS (lines "dir sha256 package version", see fetch_parts).
kernel_file() {
	for d in $(cut -d' ' -f1 "$1"); do
		for f in $d/$2; do
			[ -e "$f" ] && { echo "$f"; return 0; }
		done
	done
	return 1
}

# The image, config and module directories are in boot/ and lib/modules/V
# (Debian 11 to 13), or all in usr/lib/modules/V, split over several
# packages (sid).
kernel_image() {
	kernel_file "$1" 'boot/vmlinuz-*' || kernel_file "$1" 'usr/lib/modules/*/vmlinuz' ||
		die "no kernel image in the packages $(cut -d' ' -f3 "$1" | paste -sd' ' -)"
}

kernel_config() {
	kernel_file "$1" 'boot/config-*' || kernel_file "$1" 'usr/lib/modules/*/config' ||
		die "no kernel config in the packages $(cut -d' ' -f3 "$1" | paste -sd' ' -)"
}

# Every modules directory in the packages (space-separated).
kernel_module_dirs() {
	dirs=
	for d in $(cut -d' ' -f1 "$1"); do
		for m in "$d"/lib/modules/* "$d"/usr/lib/modules/*; do
			[ -d "$m" ] && dirs="$dirs $m"
		done
	done
	[ -n "$dirs" ] || die "no lib/modules in the packages $(cut -d' ' -f3 "$1" | paste -sd' ' -)"
	echo "$dirs"
}

# The versions tested, one "package version" a package, for the reports.
kernel_versions() {
	cut -d' ' -f3,4 "$1" | paste -sd, - | sed 's/,/, /g'
}
