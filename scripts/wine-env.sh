# Functions that set up a throwaway Wine prefix for running Windows builds
# of tempsweep on Linux. Source this file from bash:
#
#	. scripts/wine-env.sh
#	wine_env_install          # apt-get install wine and MinGW-w64 if missing
#	wine_env_start "$(mktemp -d)/prefix"
#	GOOS=windows GOARCH=amd64 go test -exec scripts/go-wine-exec.sh ./...
#	wine_env_stop             # stop wineserver, remove the prefix
#
# Tested with Debian 12's wine 8.0. There, /usr/bin/wine (package wine) is a
# shell script that runs /usr/lib/wine/wine64 when the 32-bit loader is not
# installed, and no wine64 command is on PATH. wine64 runs 64-bit programs
# only, which is all that GOARCH=amd64 builds need.

# WINE is the command that runs a Windows program.
: "${WINE:=wine}"
# WINEDEBUG=-all silences Wine's fixme and err channels, which would mix
# with test output. WINEDLLOVERRIDES disables Mono and Gecko so that
# wineboot does not offer to download them.
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="

wine_env_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# wine_env_log prints a progress line on stderr, leaving stdout to the tests.
wine_env_log() {
	printf 'wine-env: %s\n' "$*" >&2
}

# wine_env_install installs Wine and the MinGW-w64 cross compiler with
# apt-get when either is missing. It needs root.
wine_env_install() {
	if command -v "$WINE" >/dev/null && command -v wineserver >/dev/null &&
		command -v x86_64-w64-mingw32-gcc >/dev/null; then
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		wine_env_log "wine or x86_64-w64-mingw32-gcc is missing; as root, run: apt-get install wine wine64 mingw-w64"
		return 1
	fi
	wine_env_log "installing wine, wine64 and mingw-w64 with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null &&
		apt-get install -y -qq wine wine64 mingw-w64 >/dev/null
}

# wine_env_start creates a new Wine prefix at the given path, which must not
# exist yet, installs bcryptprimitives.dll into it and leaves a persistent
# wineserver running for it. It exports WINEPREFIX.
wine_env_start() {
	local prefix=$1
	if [ -e "$prefix" ]; then
		wine_env_log "$prefix exists already; wine_env_start needs a new path"
		return 1
	fi
	export WINEPREFIX=$prefix

	# wine 8.0 has no bcryptprimitives.dll, whose ProcessPrng every program
	# built by Go 1.22 or later needs at start-up.
	local dll=$prefix.bcryptprimitives.dll
	x86_64-w64-mingw32-gcc -shared -O2 -Wall -o "$dll" \
		"$wine_env_dir/wine/bcryptprimitives.c" -ladvapi32 || return 1

	# wineboot reports that it cannot start the 32-bit rundll32.exe when
	# wine32 is not installed. That is harmless for 64-bit programs, so its
	# output is shown only when it fails.
	local output
	if ! output=$("$WINE" wineboot -i 2>&1); then
		printf '%s\n' "$output" >&2
		wine_env_log "wineboot failed in $prefix"
		return 1
	fi
	mv "$dll" "$prefix/drive_c/windows/system32/bcryptprimitives.dll" || return 1

	# Restart wineserver so that no process of the boot is left, then keep
	# one running until wine_env_stop: the service control manager (and
	# the services that tests register) would otherwise go away whenever
	# the last Windows program exits.
	wineserver -k 2>/dev/null
	wineserver -w
	wineserver -p || return 1

	# The first Windows program started in the prefix also starts
	# services.exe and the processes it runs. They inherit that program's
	# stdout and stderr and, with the persistent wineserver, keep them open
	# after it exits. When that program is a test binary, go test waits a
	# minute for its pipes to close and then fails the package, so start
	# them here with /dev/null as their output.
	"$WINE" cmd /c exit 0 </dev/null >/dev/null 2>&1
}

# wine_env_stop ends every Wine process of the prefix, including the
# persistent wineserver, and removes the prefix.
wine_env_stop() {
	if [ -z "${WINEPREFIX:-}" ]; then
		return 0
	fi
	if [ -d "$WINEPREFIX" ]; then
		wineserver -k 2>/dev/null
		wineserver -w 2>/dev/null
	fi
	rm -rf -- "$WINEPREFIX" "$WINEPREFIX.bcryptprimitives.dll"
	unset WINEPREFIX
}

# wine_path prints the Windows path of a Unix path, through the Z: drive
# that every new prefix maps to /.
wine_path() {
	local path
	path=$(realpath -m -- "$1") || return 1
	printf 'Z:%s\n' "${path//\//\\}"
}
