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
	"runtime/debug"
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

// fill makes n MiB of heap in 1 MiB slices, written whole.
//
//go:noinline
func fill(n int) [][]byte {
	heap := make([][]byte, n)
	for i := range heap {
		heap[i] = make([]byte, 1<<20)
		for j := range heap[i] {
			heap[i][j] = byte(j)
		}
	}
	return heap
}

func main() {
	b := outer(12345)
	b[0] = 1
	// "heap": 256 MiB of heap, dropped and given back (tests/e2e/allocators.sh);
	// "heap keep": the same, kept in use.
	if len(os.Args) > 1 && os.Args[1] == "heap" {
		heap := fill(256)
		if len(os.Args) > 2 && os.Args[2] == "keep" {
			fmt.Println(len(heap), heap[255][1])
			return
		}
		heap = nil
		debug.FreeOSMemory()
	}
}
