# SPDX-License-Identifier: LGPL-2.1-or-later
# Cross-building memtrace for aarch64 on a Debian machine of another
# architecture: Debian's gcc-aarch64-linux-gnu, and the arm64 -dev packages
# through multiarch (dpkg --add-architecture arm64; apt-get install
# libunwind-dev:arm64 ...), found by pkg-config in their multiarch folder.
# The tests run under qemu-user (qemu-aarch64, from qemu-user), the arm64
# libraries found where multiarch put them.
#
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Headers and libraries of the target only; programs (protoc-c) of the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# ctest runs what it built through qemu-user; the dynamic loader and the
# libraries are the multiarch ones under /.  The tests that need ptrace or
# a process's own /proc files skip there (tests/unit/unittest.h).
find_program(MEMTRACE_QEMU_AARCH64 qemu-aarch64)
if(MEMTRACE_QEMU_AARCH64)
	set(CMAKE_CROSSCOMPILING_EMULATOR ${MEMTRACE_QEMU_AARCH64} -L /
		-E MEMTRACE_TEST_EMULATOR=qemu-user)
endif()
