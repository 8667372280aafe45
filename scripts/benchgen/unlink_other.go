//go:build !linux

package main

import "errors"

func leaseUnlink(dir string) error {
	return errors.New("lease-unlink measures the Linux open-file check and runs on Linux only")
}
