# SPDX-License-Identifier: LGPL-2.1-or-later
# Warning flags for memtrace's own code, each kept only if the compiler
# accepts it (cmocka's CompilerChecks.cmake does the same).
include(CheckCCompilerFlag)

set(MEMTRACE_WARNING_FLAGS "")
foreach(flag
		-Wall -Wextra -Wformat=2 -Wshadow -Wundef -Wwrite-strings
		-Wpointer-arith -Wcast-align -Wvla -Wnull-dereference
		-Wmissing-prototypes -Wstrict-prototypes -Wold-style-definition
		-Wredundant-decls -Wnested-externs -Wimplicit-fallthrough
		-Wlogical-op -Wduplicated-cond -Wduplicated-branches)
	string(MAKE_C_IDENTIFIER "HAVE_FLAG${flag}" var)
	check_c_compiler_flag(${flag} ${var})
	if(${var})
		list(APPEND MEMTRACE_WARNING_FLAGS ${flag})
	endif()
endforeach()
if(MEMTRACE_WERROR)
	list(APPEND MEMTRACE_WARNING_FLAGS -Werror)
endif()

# memtrace_warnings(target): apply the warning set to one target.
function(memtrace_warnings target)
	target_compile_options(${target} PRIVATE ${MEMTRACE_WARNING_FLAGS})
endfunction()
