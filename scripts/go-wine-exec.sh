#!/bin/sh
# Runs a Windows program under Wine with its arguments and exits with its
# exit status. Use it as the -exec program of go test and go run:
#
#	GOOS=windows GOARCH=amd64 go test -exec scripts/go-wine-exec.sh ./...
#
# WINEPREFIX must name a prefix set up by scripts/wine-env.sh: Go programs
# do not start in a prefix that lacks bcryptprimitives.dll.
if [ -z "$WINEPREFIX" ]; then
	echo "go-wine-exec: WINEPREFIX is not set; see scripts/wine-env.sh" >&2
	exit 2
fi
export WINEDEBUG="${WINEDEBUG:--all}"
exec "${WINE:-wine}" "$@"
