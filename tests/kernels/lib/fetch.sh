# Fetching pinned packages through a private apt configuration, cached by
# the .deb's sha256 (sourced after common.sh).

# A manifest's suite may name the packages' architecture: bookworm:arm64.
# Without one it is amd64, this host's.
suite_arch() {
	case $1 in
	*:*) echo "${1#*:}" ;;
	*) echo amd64 ;;
	esac
}

# lab_apt TOOL SUITE ARGS...: apt-get or apt-cache with its own sources,
# lists and cache under $LAB_CACHE/apt/SUITE (SUITE-ARCH for another
# architecture); the host's sources and state stay untouched.
lab_apt() {
	tool=$1 suite=$2
	shift 2
	d=$LAB_CACHE/apt/$(echo "$suite" | tr : -)
	arch=$(suite_arch "$suite")
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) ${suite%%:*} main" >"$d/sources.list"
	# sid's Release may read as expired at this clock.
	"$tool" -q -o Dir::Etc::SourceList="$d/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" \
		-o Dir::State::status=/dev/null \
		-o APT::Architecture="$arch" -o APT::Architectures="$arch" \
		-o Acquire::Languages=none \
		-o Acquire::Check-Valid-Until=false "$@"
}

# Refresh a suite's lists at most once per run of the lab.
lab_apt_update() {
	d=$LAB_CACHE/apt/$(echo "$1" | tr : -)
	stamp=$d/updated.$LAB_RUN_ID
	[ -e "$stamp" ] && return 0
	mkdir -p "$d"
	lab_apt apt-get "$1" update >"$d.update.log" 2>&1 ||
		die "apt-get update for $1 failed: $(tail -n1 "$d.update.log")"
	rm -f "$d"/updated.*
	: >"$stamp"
}

# Versions of PACKAGE the suite offers now, newest first.
suite_versions() {
	lab_apt apt-cache "$1" madison "$2" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }'
}

# The newest package of the same series as PACKAGE in SUITE (a kernel's
# package names change with each ABI bump): for a kernel NAME such as
# bullseye-5.10, linux-image-5.10*-amd64 (or linux-binary-, linux-modules-
# ..., or -arm64 for an arm64 suite); any other package is its own series.
series_package() {
	name=$1 pkg=$2 suite=$3
	case $pkg in
	linux-*)
		prefix=${pkg%%-[0-9]*}
		series=${name#*-}
		series=${series%-"$(suite_arch "$suite")"}
		lab_apt apt-cache "$suite" pkgnames "$prefix-$series" 2>/dev/null |
			grep -E "^${prefix}-${series}[.0-9]*[-+][0-9a-z.+-]*-$(suite_arch "$suite")\$" |
			grep -v -e '-dbg' -e '-unsigned' -e '-cloud' -e '-rt-' | sort -V | tail -n1 ;;
	*) echo "$pkg" ;;
	esac
}

# download_deb SUITE PACKAGE VERSION: the .deb's path in $LAB_CACHE/debs.
download_deb() {
	tmp=$(mktemp -d "$LAB_CACHE/dl.XXXXXX")
	(cd "$tmp" && lab_apt apt-get "$1" -qq download "$2=$3") >"$tmp.log" 2>&1 ||
		die "apt-get download $2=$3 ($1) failed: $(tail -n1 "$tmp.log")"
	deb=$(ls "$tmp"/*.deb)
	sha=$(sha256_of "$deb")
	mkdir -p "$LAB_CACHE/debs"
	mv "$deb" "$LAB_CACHE/debs/$sha.deb"
	rm -rf "$tmp" "$tmp.log"
	echo "$LAB_CACHE/debs/$sha.deb"
}

# resolve_deb NAME SUITE PACKAGE VERSION PIN: prints "sha256 package
# version" of the .deb to use, downloading it unless the pinned one (or the
# fallback taken last time) is cached.
resolve_deb() {
	name=$1 suite=$2 pkg=$3 ver=$4 pin=$5
	fallback=$LAB_CACHE/fallback/$name.$pin
	if [ -e "$LAB_CACHE/debs/$pin.deb" ]; then
		echo "$pin $pkg $ver"
		return
	fi
	if [ -e "$fallback" ] && [ -e "$LAB_CACHE/debs/$(cut -d' ' -f1 "$fallback").deb" ]; then
		set -- $(cat "$fallback")
		echo "kernel-lab: PIN MISSED $name: pinned $pkg $ver, testing the cached $2 $3 instead" >&2
		echo "$1 $2 $3"
		return
	fi
	lab_apt_update "$suite"
	if suite_versions "$suite" "$pkg" | grep -qxF "$ver"; then
		deb=$(download_deb "$suite" "$pkg" "$ver") || exit 2
		got=$(basename "$deb" .deb)
		[ "$got" = "$pin" ] || { rm -f "$deb"; die "$name: $pkg $ver has sha256 $got, the manifest pins $pin"; }
		echo "$pin $pkg $ver"
		return
	fi
	fpkg=$(series_package "$name" "$pkg" "$suite") || exit 2
	fver=$(suite_versions "$suite" "$fpkg" | head -n1)
	[ -n "$fpkg" ] && [ -n "$fver" ] || die "$name: neither $pkg $ver nor any package of its series is in $suite"
	deb=$(download_deb "$suite" "$fpkg" "$fver") || exit 2
	sha=$(basename "$deb" .deb)
	mkdir -p "$LAB_CACHE/fallback"
	echo "$sha $fpkg $fver" >"$fallback"
	echo "kernel-lab: PIN MISSED $name: $pkg $ver is gone from $suite, testing $fpkg $fver (sha256 $sha)" >&2
	echo "$sha $fpkg $fver"
}

# unpack_deb SHA: the package's files, unpacked once into $LAB_CACHE/pkg/SHA.
unpack_deb() {
	dir=$LAB_CACHE/pkg/$1
	if [ ! -e "$dir/.complete" ]; then
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp"
		dpkg-deb -x "$LAB_CACHE/debs/$1.deb" "$dir.tmp" ||
			die "dpkg-deb -x of $LAB_CACHE/debs/$1.deb failed"
		: >"$dir.tmp/.complete"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir"
}
