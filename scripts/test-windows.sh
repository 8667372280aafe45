#!/bin/bash
# Builds, vets and tests the Windows build of tempsweep on Linux, running the
# tests under Wine in a new Wine prefix that is removed at exit.
#
#	scripts/test-windows.sh [go test flags] [packages]
#
# The arguments go to go test as they are; without any it tests ./...
# Wine and MinGW-w64 are installed with apt-get when missing (as root).
# go test's output goes to stdout, setup progress and timings to stderr.
# The exit status is go test's, or 1 when only the build or vet failed.
#
# Known limits of Wine 8.0 that the tests must live with:
#   - os.RemoveAll and os.Root.Remove fail with "Invalid function": Wine's
#     NtSetInformationFile returns STATUS_NOT_IMPLEMENTED for
#     FileDispositionInformationEx, a status on which Go does not fall back
#     to the older FileDispositionInformation. So t.TempDir fails at cleanup,
#     even when the directory is empty. os.Remove works.
#   - os.Symlink returns no error but creates nothing (CreateSymbolicLinkW
#     is a stub), and "cmd /c mklink /J" creates no junction but exits
#     with status 0. Hard links (os.Link) work.
set -u

cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/wine-env.sh
. scripts/wine-env.sh

elapsed() {
	local start=$1
	echo "$(($(date +%s%N) / 1000000 - start))ms"
}
now() {
	echo $(($(date +%s%N) / 1000000))
}

start=$(now)
wine_env_install || exit 1
wine_env_log "packages ready in $(elapsed "$start")"

work=$(mktemp -d -t tempsweep-wine.XXXXXX) || exit 1
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	wine_env_stop
	rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start=$(now)
wine_env_start "$work/prefix" || exit 1
wine_env_log "Wine prefix $WINEPREFIX ready in $(elapsed "$start")"

status=0
export GOOS=windows

start=$(now)
for arch in amd64 arm64; do
	if ! GOARCH=$arch go build ./...; then
		wine_env_log "go build ./... failed for windows/$arch"
		status=1
	fi
done
if ! GOARCH=amd64 go vet ./...; then
	wine_env_log "go vet ./... failed for windows/amd64"
	status=1
fi
wine_env_log "build and vet done in $(elapsed "$start")"

# The service tests register this program as a service; the service
# control manager needs its Windows path.
if GOARCH=amd64 go build -o "$work/testsvc.exe" ./scripts/testsvc; then
	TEMPSWEEP_TESTSVC=$(wine_path "$work/testsvc.exe")
	export TEMPSWEEP_TESTSVC
else
	wine_env_log "go build ./scripts/testsvc failed; the service tests will be skipped"
	status=1
fi

# The end-to-end test cleans C:\Exchsrvr\Webtemp of this fresh prefix, the
# path the job has on a real Exchange server.
export TEMPSWEEP_TEST_WEBTEMP_BASE='C:\'

if [ $# -eq 0 ]; then
	set -- ./...
fi
start=$(now)
GOARCH=amd64 go test -exec "$PWD/scripts/go-wine-exec.sh" "$@"
test_status=$?
wine_env_log "go test done in $(elapsed "$start") with exit status $test_status"

if [ "$test_status" -ne 0 ]; then
	exit "$test_status"
fi
exit "$status"
