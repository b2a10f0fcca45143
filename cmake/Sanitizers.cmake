# SPDX-License-Identifier: LGPL-2.1-or-later
# -DMEMTRACE_SANITIZE=address,undefined instruments memtrace's libraries,
# the memtrace binary and the unit tests -- never tests/programs/, whose
# programs are traced (an ASan program reserves ~20 TiB of shadow memory).
set(MEMTRACE_SANITIZE "" CACHE STRING "Sanitizers for memtrace itself (e.g. address,undefined)")

function(memtrace_sanitize target)
	if(MEMTRACE_SANITIZE)
		set(flags -fsanitize=${MEMTRACE_SANITIZE} -fno-sanitize-recover=all
			-fno-omit-frame-pointer)
		target_compile_options(${target} PRIVATE ${flags})
		target_link_options(${target} PRIVATE ${flags})
	endif()
endfunction()
