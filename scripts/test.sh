#!/usr/bin/env bash
# Runs every test of tempsweep: vet and unit, CLI and end-to-end tests on
# Linux, the Go benchmarks once each, the Windows build's tests under Wine,
# and the PowerShell syntax checks. Installs what is missing on Debian.
set -uo pipefail
cd "$(dirname "$0")/.."

failed=()
step() {
	local name=$1
	shift
	echo "== $name"
	if ! "$@"; then
		failed+=("$name")
	fi
}

step "go vet (linux)" go vet ./...
step "go test (linux)" go test -count=1 ./...
step "go test -bench (once each)" go test -count=1 -run '^$' -bench . -benchtime 1x ./...
step "windows build, vet and tests under wine" bash scripts/test-windows.sh -count=1 ./...
step "powershell syntax checks" bash scripts/pscheck/run.sh

if [ ${#failed[@]} -gt 0 ]; then
	echo "FAILED: ${failed[*]}"
	exit 1
fi
echo "all test steps passed"
