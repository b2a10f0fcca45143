/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the JSON Lines writer (report/jsonw.c): every line it
 * writes is read back with jansson, the library the trace reader uses, and
 * every value comes back the same: strings with quotes, backslashes,
 * control characters, multi-byte UTF-8 and bytes that are no UTF-8 at all,
 * 64-bit numbers and addresses, nesting.  Lines reach the file whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "../../report/jsonw.h"

/* A writer on a pipe, and what has reached its other end. */
struct pipe_writer {
	int fds[2];
	struct jsonw *w;
	char got[1 << 20];
	size_t len;
};

static void open_pipe(struct pipe_writer *pw)
{
	assert_int_equal(pipe(pw->fds), 0);
	pw->w = jsonw_new(pw->fds[1]);
	pw->len = 0;
}

/* Reads what the pipe holds now (the write end stays open). */
static void drain(struct pipe_writer *pw)
{
	ssize_t got;

	assert_int_equal(fcntl(pw->fds[0], F_SETFL, O_NONBLOCK), 0);
	while ((got = read(pw->fds[0], pw->got + pw->len, sizeof(pw->got) - 1 - pw->len)) > 0)
		pw->len += (size_t)got;
	pw->got[pw->len] = '\0';
}

static json_t *parse_line(const char *line)
{
	json_error_t error;
	json_t *root = json_loads(line, 0, &error);

	if (!root)
		fail_msg("not JSON (%s): %s", error.text, line);
	return root;
}

static const char *const strings[] = {
	"plain",
	"",
	"with \"quotes\" and \\backslashes\\",
	"control \x01\x02\x1f\x7f tab\t newline\n cr\r",
	"utf-8: \xc3\xa9t\xc3\xa9 \xe2\x86\x90 \xf0\x9f\x98\x80",
	"/tmp/bad\xff\xfe name",  /* not UTF-8 */
	"\xc0\xaf overlong",	  /* an overlong '/' */
	"\xed\xa0\x80 surrogate", /* U+D800 in UTF-8 */
	"truncated \xe2\x86",	  /* a sequence cut short */
};

/* Decodes a "2f74..." string into buf; returns its length. */
static size_t hex_back(const char *hex, char *buf, size_t size)
{
	size_t len;

	assert_non_null(hex);
	len = strlen(hex) / 2;
	assert_true(len < size);
	for (size_t i = 0; i < len; i++) {
		unsigned int byte;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
		buf[i] = (char)byte;
	}
	return len;
}

/* The value of member key, or of key "_hex" decoded; into buf. */
static size_t string_back(json_t *obj, const char *key, char *buf, size_t size)
{
	char hex_key[64];
	json_t *value = json_object_get(obj, key);
	size_t len;

	if (value) {
		assert_true(json_is_string(value));
		len = json_string_length(value);
		assert_true(len < size);
		memcpy(buf, json_string_value(value), len);
		return len;
	}
	(void)snprintf(hex_key, sizeof(hex_key), "%s_hex", key);
	value = json_object_get(obj, hex_key);
	assert_non_null(value);
	return hex_back(json_string_value(value), buf, size);
}

static void test_strings_round_trip(void **state)
{
	struct pipe_writer *pw = malloc(sizeof(*pw));
	char *line, *save = NULL;
	size_t n = 0;

	(void)state;
	open_pipe(pw);
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		jsonw_begin(pw->w);
		jsonw_str(pw->w, "type", "string");
		jsonw_str(pw->w, "value", strings[i]);
		jsonw_array(pw->w, "list");
		jsonw_str(pw->w, NULL, strings[i]);
		jsonw_end_array(pw->w);
		jsonw_end(pw->w);
	}
	assert_int_equal(jsonw_flush(pw->w), 0);
	drain(pw);
	for (line = strtok_r(pw->got, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *root = parse_line(line), *elem;
		char buf[256];
		size_t len = string_back(root, "value", buf, sizeof(buf));

		assert_true(n < sizeof(strings) / sizeof(strings[0]));
		assert_int_equal(len, strlen(strings[n]));
		assert_memory_equal(buf, strings[n], len);
		/* In an array: the string, or {"hex":...} for bytes. */
		elem = json_array_get(json_object_get(root, "list"), 0);
		if (json_is_string(elem)) {
			assert_string_equal(json_string_value(elem), strings[n]);
		} else {
			len = hex_back(json_string_value(json_object_get(elem, "hex")), buf,
				       sizeof(buf));
			assert_int_equal(len, strlen(strings[n]));
			assert_memory_equal(buf, strings[n], len);
		}
		json_decref(root);
		n++;
	}
	assert_int_equal(n, sizeof(strings) / sizeof(strings[0]));
	jsonw_free(pw->w);
	close(pw->fds[0]);
	close(pw->fds[1]);
	free(pw);
}

static void test_numbers_and_nesting(void **state)
{
	struct pipe_writer *pw = malloc(sizeof(*pw));
	json_t *root, *inner;

	(void)state;
	open_pipe(pw);
	jsonw_begin(pw->w);
	jsonw_u64(pw->w, "max", UINT64_MAX);
	jsonw_u64(pw->w, "big", INT64_MAX);
	jsonw_i64(pw->w, "min", INT64_MIN);
	jsonw_hex(pw->w, "addr", 0x7fffffffe000ULL);
	jsonw_hex(pw->w, "zero", 0);
	jsonw_hex(pw->w, "top", UINT64_MAX);
	jsonw_seconds(pw->w, "time", 12000345678ULL);
	jsonw_bool(pw->w, "yes", true);
	jsonw_null(pw->w, "nothing");
	jsonw_object(pw->w, "inner");
	jsonw_array(pw->w, "empty");
	jsonw_end_array(pw->w);
	jsonw_array(pw->w, "two");
	jsonw_u64(pw->w, NULL, 1);
	jsonw_object(pw->w, NULL);
	jsonw_u64(pw->w, "x", 2);
	jsonw_end_object(pw->w);
	jsonw_end_array(pw->w);
	jsonw_end_object(pw->w);
	jsonw_str(pw->w, "after", "nested");
	jsonw_end(pw->w);
	jsonw_free(pw->w);
	drain(pw);
	root = parse_line(pw->got);
	/* jansson's integers are signed: past INT64_MAX, a decimal string. */
	assert_string_equal(json_string_value(json_object_get(root, "max")),
			    "18446744073709551615");
	assert_int_equal(json_integer_value(json_object_get(root, "big")), INT64_MAX);
	assert_int_equal(json_integer_value(json_object_get(root, "min")), INT64_MIN);
	assert_string_equal(json_string_value(json_object_get(root, "addr")), "0x7fffffffe000");
	assert_string_equal(json_string_value(json_object_get(root, "zero")), "0x0");
	assert_string_equal(json_string_value(json_object_get(root, "top")), "0xffffffffffffffff");
	assert_non_null(strstr(pw->got, "\"time\":12.000345678,"));
	assert_true(json_is_true(json_object_get(root, "yes")));
	assert_true(json_is_null(json_object_get(root, "nothing")));
	inner = json_object_get(root, "inner");
	assert_int_equal(json_array_size(json_object_get(inner, "empty")), 0);
	assert_int_equal(json_array_size(json_object_get(inner, "two")), 2);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(inner, "two"), 1), "x")),
			 2);
	assert_string_equal(json_string_value(json_object_get(root, "after")), "nested");
	json_decref(root);
	close(pw->fds[0]);
	close(pw->fds[1]);
	free(pw);
}

/* Only whole lines reach the file: a line being built is not written by a flush. */
static void test_whole_lines(void **state)
{
	struct pipe_writer *pw = malloc(sizeof(*pw));

	(void)state;
	open_pipe(pw);
	jsonw_begin(pw->w);
	jsonw_u64(pw->w, "n", 1);
	jsonw_end(pw->w);
	jsonw_begin(pw->w);
	jsonw_str(pw->w, "half", "written");
	assert_int_equal(jsonw_flush(pw->w), 0);
	drain(pw);
	assert_string_equal(pw->got, "{\"n\":1}\n");
	/* Freeing drops the unfinished line too. */
	jsonw_free(pw->w);
	drain(pw);
	assert_string_equal(pw->got, "{\"n\":1}\n");
	close(pw->fds[0]);
	close(pw->fds[1]);
	free(pw);
}

/* A write error is kept, and writing goes on without crashing. */
static void test_write_error(void **state)
{
	int fds[2];
	struct jsonw *w;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	w = jsonw_new(fds[1]);
	for (int i = 0; i < 3; i++) {
		jsonw_begin(w);
		jsonw_u64(w, "n", (uint64_t)i);
		jsonw_end(w);
		(void)jsonw_flush(w);
	}
	assert_int_equal(jsonw_error(w), -EPIPE);
	jsonw_free(w);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings_round_trip),
		cmocka_unit_test(test_numbers_and_nesting),
		cmocka_unit_test(test_whole_lines),
		cmocka_unit_test(test_write_error),
	};

	/* The write error test writes to a pipe nobody reads. */
	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
