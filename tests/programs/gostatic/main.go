// SPDX-License-Identifier: LGPL-2.1-or-later

// A Go program built with CGO_ENABLED=0 (tests/e2e/static.sh): a static
// executable with no .eh_frame at all, whose stacks follow the frame
// pointers Go keeps.
//
//	mmap(12345): ... syscall.(*mmapper).Mmap <- main.inner <- main.outer <- main.main <- runtime.main
package main

import (
	"fmt"
	"os"
	"syscall"
)

//go:noinline
func inner(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mmap:", err)
		os.Exit(1)
	}
	return b
}

//go:noinline
func outer(n int) []byte { return inner(n) }

func main() {
	b := outer(12345)
	b[0] = 1
}
