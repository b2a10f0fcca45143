/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Demangling: see demangler.h. */
#include "demangler.h"

#include <stddef.h>

/* glibc's <string.h> declares basename (_GNU_SOURCE): libiberty.h must not. */
#define HAVE_DECL_BASENAME 1
#include <demangle.h>

char *demangler_demangle(const char *name)
{
	const int options = DMGL_PARAMS | DMGL_ANSI;
	char *out;

	/*
	 * Each language's demangler by the name's prefix, not libiberty's
	 * cplus_demangle(), whose other languages pull in its own xmalloc.
	 * Rust's v0 names start with _R, D's with _D; C++'s and Rust's
	 * legacy ones with _Z, and a legacy Rust name is a C++ name ending
	 * in a hash: Rust's demangler is asked first, and drops the hash.
	 */
	if (name[0] != '_')
		return NULL;
	switch (name[1]) {
	case 'Z':
		out = rust_demangle(name, options);
		return out ? out : cplus_demangle_v3(name, options);
	case 'R':
		return rust_demangle(name, options);
	case 'D':
		return dlang_demangle(name, options);
	default:
		return NULL;
	}
}
