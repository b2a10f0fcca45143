/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The C++ runtime libraries (runtime.h): GNU libstdc++ and LLVM's libc++
 * and libc++abi.  A C++ program reaches malloc through operator new in
 * them: a site shows "operator new" and the program's frame that called
 * it, not "malloc < operator new".
 */
#include "runtime.h"

static const char *const cxx_modules[] = { "libstdc++.so.", "libc++.so.", "libc++abi.so.", NULL };

const struct runtime_desc runtime_cxx = {
	.name = "c++",
	.modules = cxx_modules,
};
