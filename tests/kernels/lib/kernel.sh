# A lab kernel's files: its packages fetched and unpacked, and the paths of
# its image, config and modules (sourced after common.sh and fetch.sh).

# fetch_kernel NAME: fetches and unpacks every package of NAME; prints one
# line "dir sha256 package version" per package.
fetch_kernel() {
	manifest_fields "$1" >"$LAB_CACHE/parts.$$" || exit 2
	while read -r suite pkg ver pin; do
		set -- "$1" $(resolve_deb "$1" "$suite" "$pkg" "$ver" "$pin")
		[ $# -eq 4 ] || exit 2
		echo "$(unpack_deb "$2") $2 $3 $4"
	done <"$LAB_CACHE/parts.$$"
	rm -f "$LAB_CACHE/parts.$$"
}

# kernel_file PARTS GLOB: the one file matching GLOB in any package dir of
# PARTS (fetch_kernel's output).
kernel_file() {
	for d in $(cut -d' ' -f1 "$1"); do
		for f in $d/$2; do
			[ -e "$f" ] && { echo "$f"; return 0; }
		done
	done
	return 1
}

kernel_image() {
	kernel_file "$1" 'boot/vmlinuz-*' || die "no boot/vmlinuz-* in the packages of $(cut -d' ' -f3 "$1" | tr '\n' ' ')"
}

kernel_config() {
	kernel_file "$1" 'boot/config-*' || die "no boot/config-* in the packages of $(cut -d' ' -f3 "$1" | tr '\n' ' ')"
}

# The modules directory (lib/modules/VERSION, or usr/lib/modules/VERSION).
kernel_modules() {
	kernel_file "$1" 'lib/modules/*' || kernel_file "$1" 'usr/lib/modules/*' ||
		die "no lib/modules in the packages of $(cut -d' ' -f3 "$1" | tr '\n' ' ')"
}

# The versions tested, one "package version" a package, for the reports.
kernel_versions() {
	cut -d' ' -f3,4 "$1" | paste -sd, - | sed 's/,/, /g'
}
