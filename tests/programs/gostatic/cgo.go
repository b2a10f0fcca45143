// SPDX-License-Identifier: LGPL-2.1-or-later

//go:build cgo

// With cgo (the cgo_go build of tests/CMakeLists.txt), the same program
// links runtime/cgo: its threads are glibc's, made by pthread_create, and
// its memory calls go through x_cgo_mmap.
package main

// #include <stdlib.h>
import "C"
