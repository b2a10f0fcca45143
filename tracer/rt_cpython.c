/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CPython's object allocator, pymalloc (runtime.h, Objects/obmalloc.c):
 * its arenas (256 KiB, 1 MiB from 3.10) are mapped by _PyObject_ArenaMmap
 * for new_arena, reached from pymalloc_alloc under _PyObject_Malloc.  A
 * site starts at the allocation the interpreter made (PyObject_Malloc,
 * PyMem_RawMalloc).  Only with the interpreter's own symbols: Debian
 * strips python3's (its debug build, python3-dbg, keeps them).
 */
#include "runtime.h"

static const char *const cpython_functions[] = {
	"_PyObject_ArenaMmap",
	"new_arena",
	"allocate_from_new_pool",
	"pymalloc_",
	"_PyObject_Malloc",
	"_PyObject_Calloc",
	"_PyObject_Realloc",
	"_PyMem_",
	"PyObject_Malloc",
	"PyObject_Calloc",
	"PyObject_Realloc",
	"PyMem_",
	NULL,
};

/* Its arenas, pymalloc's heap: mapped by _PyObject_ArenaMmap. */
static const struct runtime_maker_rule cpython_makers[] = {
	{ "_PyObject_ArenaMmap", ASPACE_MAKER_HEAP, "arenas", NULL },
	{ NULL, ASPACE_MAKER_UNKNOWN, NULL, NULL },
};

const struct runtime_desc runtime_cpython = {
	.name = "cpython",
	.functions = cpython_functions,
	.makers = cpython_makers,
};
