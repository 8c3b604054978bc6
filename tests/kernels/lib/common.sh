# Shared settings and helpers of the kernel lab (sourced, POSIX sh).
# Everything the lab keeps lives under $LAB_CACHE; nothing touches the
# host's apt sources or installs a kernel on the host.

LAB_DIR=${LAB_DIR:?LAB_DIR must be set by scripts/kernel-lab}
LAB_CACHE=${KERNEL_LAB_CACHE:-/var/cache/udsdump-lab}
LAB_MANIFEST=${KERNEL_LAB_MANIFEST:-$LAB_DIR/manifest}
LAB_INIT=${KERNEL_LAB_INIT:-$LAB_DIR/init}

die() {
	echo "kernel-lab: $*" >&2
	exit 2
}

say() {
	echo "kernel-lab: $*" >&2
}

# Seconds since the epoch with centiseconds, for the timing figures.
now() {
	date +%s.%N | cut -c1-13
}

elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

sha256_of() {
	sha256sum "$1" | cut -d' ' -f1
}

# manifest_fields NAME: one line "suite package version sha256" for each
# package of NAME (a kernel may span several packages).  Manifest lines:
# name suite package version sha256; '#' starts a comment.  Checks the
# whole file, so a bad line fails every command.
manifest_fields() {
	[ -r "$LAB_MANIFEST" ] || die "cannot read the manifest $LAB_MANIFEST"
	awk -v want="$1" -v file="$LAB_MANIFEST" '
		function bad(why) { printf "kernel-lab: %s:%d: %s\n", file, NR, why > "/dev/stderr"; failed = 1; exit }
		{ sub(/#.*/, "") }
		NF == 0 { next }
		NF != 5 { bad("expected 5 fields (name suite package version sha256), got " NF) }
		$5 !~ /^[0-9a-f]+$/ || length($5) != 64 { bad("bad sha256 " $5) }
		($1 " " $3) in seen { bad($3 " listed twice for " $1) }
		$1 in suite && suite[$1] != $2 { bad($1 " spans two suites") }
		{ seen[$1 " " $3] = 1; suite[$1] = $2 }
		$1 == want { print $2, $3, $4, $5; found = 1 }
		END { if (failed) exit 2; if (!found && want != "") { printf "kernel-lab: no %s in %s\n", want, file > "/dev/stderr"; exit 2 } }
	' "$LAB_MANIFEST"
}

# manifest_names [ARCH]: every kernel name (not busybox) of ARCH (amd64,
# this host's), in manifest order.
manifest_names() {
	manifest_fields "" || exit 2
	awk -v arch="${1:-amd64}" '{ sub(/#.*/, "") }
		NF == 5 && $3 ~ /^linux-/ && !($1 in seen) {
			a = $2; if (!sub(/^[^:]*:/, "", a)) a = "amd64"
			seen[$1]; if (a == arch) print $1
		}' "$LAB_MANIFEST"
}

# The machine's Debian mirror, read from its apt sources (deb822 or
# one-line format): the first URI ending in /debian.
debian_mirror() {
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n -e 's/^URIs:[[:space:]]*//p' \
			-e 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}//p' |
		tr ' ' '\n' | grep -E '^(https?|file)://.*/debian/?$' | head -n1)
	[ -n "$m" ] || die "no Debian mirror found in /etc/apt/sources.list*"
	echo "${m%/}"
}
