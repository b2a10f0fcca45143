/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of unwind/demangler: each language's names as binutils
 * prints them (c++filt), Rust's without the hash and crate disambiguators
 * that only c++filt's verbose mode keeps, and NULL for what is not a
 * mangled name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "demangler.h"
#include "util.h"

static void expect(const char *mangled, const char *want)
{
	char *got = demangler_demangle(mangled);

	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_cxx(void **state)
{
	(void)state;
	expect("_ZN5shape6Widget4growEm", "shape::Widget::grow(unsigned long)");
	expect("_ZNK2ns4Pool4growEmb", "ns::Pool::grow(unsigned long, bool) const");
	expect("_ZN2v88internal12_GLOBAL__N_13RunEi",
	       "v8::internal::(anonymous namespace)::Run(int)");
}

static void test_rust(void **state)
{
	(void)state;
	/* Legacy: a C++-like name ending in a hash, dropped. */
	expect("_ZN3thr8grow_vec17hcb4a98669b8cedd9E", "thr::grow_vec");
	expect("_ZN4core3ptr13drop_in_place17h0123456789abcdefE", "core::ptr::drop_in_place");
	/* v0. */
	expect("_RNvNvMs0_NtNtNtCsjrHSEGnQ3l9_3std3sys6thread4unixNtB7_6Thread3new12thread_start",
	       "<std::sys::thread::unix::Thread>::new::thread_start");
}

static void test_d(void **state)
{
	(void)state;
	expect("_D3foo3barFZv", "foo.bar()");
}

/* Plain names, and names that only look mangled: none. */
static void test_not_mangled(void **state)
{
	(void)state;
	expect("main", NULL);
	expect("_start", NULL);
	expect("__libc_start_main_impl", NULL);
	expect("_Z", NULL);
	expect("_R", NULL);
	expect("_Zfoo", NULL);
	expect("", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cxx),
		cmocka_unit_test(test_rust),
		cmocka_unit_test(test_d),
		cmocka_unit_test(test_not_mangled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
