/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the fast way through an event line (report/traceline.c):
 * lines as memtrace writes them, each of its members read as the reader
 * reads them with jansson; and a table of lines it must refuse (left to
 * jansson): whitespace, escapes, bytes past ASCII, members unknown or
 * twice, numbers it cannot read exactly, values of another type, what
 * jansson would call no event.  tests/e2e/golden.sh compares the reports
 * of whole traces read either way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../report/traceline.h"

#define MAP_PIECE                                                                         \
	"{\"op\":\"map\",\"start\":\"0x7fe33cd2a000\",\"end\":\"0x7fe33cd2c000\","        \
	"\"origin\":2,\"prot\":\"rw-\",\"flags\":0,\"backing\":\"file\",\"path\":\"/lib/" \
	"x.so\",\"offset\":\"0x0\"}"
#define EVENT_HEAD                                                                        \
	"{\"type\":\"event\",\"seq\":2,\"time\":0.007200782,\"pid\":828,\"tid\":829,"     \
	"\"call\":\"mmap\",\"args\":[\"0x0\",\"0x2000\",\"0x3\",\"0x22\",\"0xffffffff\"," \
	"\"0x0\"],\"text\":\"mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE, -1, 0)\","
#define EVENT_LINE                                                                             \
	EVENT_HEAD "\"finished\":true,\"result\":\"0x7fe33cd2a000\",\"rval\":140613954740224," \
		   "\"stack\":2,\"changes\":[" MAP_PIECE "]}"

static const uint32_t stack_ids[] = { 0, 10, 20, 30 };
static const struct traceline_stacks stacks = { .ids = stack_ids, .n = 4 };

/* Reads line the fast way into *event and changes: whether it did. */
static bool read_line(const char *line, struct trace_event *event, struct aspace_changes *changes)
{
	aspace_changes_reset(changes);
	return traceline_event(line, strlen(line), &stacks, event, changes);
}

/* An mmap of a file, as memtrace writes it. */
static void test_map(void **state)
{
	struct aspace_changes changes = { 0 };
	struct trace_event ev;
	const struct aspace_piece *piece;

	(void)state;
	assert_true(read_line(EVENT_LINE, &ev, &changes));
	assert_int_equal(ev.seq, 2);
	assert_int_equal(ev.time_ns, 7200782);
	assert_int_equal(ev.pid, 828);
	assert_int_equal(ev.stack, 2);
	assert_true(ev.finished);
	assert_int_equal(changes.count, 1);
	piece = &changes.pieces[0];
	assert_int_equal(piece->kind, ASPACE_PIECE_MAPPED);
	assert_int_equal(piece->start, 0x7fe33cd2a000ULL);
	assert_int_equal(piece->end, 0x7fe33cd2c000ULL);
	assert_int_equal(piece->origin_kind, ASPACE_ORIGIN_CALL);
	assert_int_equal(piece->origin_seq, 2);
	/* The event's own stack and time: the reader's to set. */
	assert_int_equal(piece->origin_stack, 0);
	assert_int_equal(piece->origin_time_ns, 0);
	/* Without the path, and with no changes at all. */
	assert_true(read_line(EVENT_HEAD "\"finished\":true,\"stack\":0,\"changes\":[]}", &ev,
			      &changes));
	assert_int_equal(changes.count, 0);
	aspace_changes_free(&changes);
}

/* munmap of two origins, one a call and one the program's own bytes. */
static void test_unmap(void **state)
{
	struct aspace_changes changes = { 0 };
	struct trace_event ev;
	const struct aspace_piece *piece;

	(void)state;
	assert_true(read_line(
		"{\"type\":\"event\",\"seq\":9,\"time\":3.5,\"pid\":7,\"tid\":7,\"call\":"
		"\"munmap\",\"args\":[],\"text\":\"munmap(0x1000, 8192)\",\"finished\":true,"
		"\"result\":\"0\",\"rval\":0,\"stack\":3,\"changes\":[{\"op\":\"unmap\",\"start\":"
		"\"0x1000\",\"end\":\"0x2000\",\"origin\":5,\"old_prot\":\"rw-\",\"left\":4096,"
		"\"total\":8192,\"origin_stack\":3,\"origin_time\":0.000000001},{\"op\":\"unmap\","
		"\"start\":\"0x2000\",\"end\":\"0x3000\",\"origin\":\"exec\",\"old_prot\":\"r--\","
		"\"left\":0,\"total\":0,\"origin_stack\":99,\"origin_time\":2}]}",
		&ev, &changes));
	assert_int_equal(ev.seq, 9);
	assert_int_equal(ev.time_ns, 3500000000ULL);
	assert_int_equal(changes.count, 2);
	piece = &changes.pieces[0];
	assert_int_equal(piece->kind, ASPACE_PIECE_UNMAPPED);
	assert_int_equal(piece->origin_seq, 5);
	assert_int_equal(piece->origin_left, 4096);
	assert_int_equal(piece->origin_total, 8192);
	assert_int_equal(piece->origin_stack, 30);
	assert_int_equal(piece->origin_time_ns, 1);
	piece = &changes.pieces[1];
	assert_int_equal(piece->origin_kind, ASPACE_ORIGIN_EXEC);
	assert_int_equal(piece->origin_seq, 0);
	/* A stack id past those known: none. */
	assert_int_equal(piece->origin_stack, 0);
	assert_int_equal(piece->origin_time_ns, 2000000000ULL);
	aspace_changes_free(&changes);
}

/* A failed call, one cut short, moves, releases and re-protections. */
static void test_other_changes(void **state)
{
	struct aspace_changes changes = { 0 };
	struct trace_event ev;

	(void)state;
	assert_true(read_line("{\"type\":\"event\",\"seq\":4,\"time\":1.25,\"pid\":-3,\"tid\":3,"
			      "\"call\":\"mremap\",\"args\":[\"0x1\"],\"text\":\"mremap()\","
			      "\"finished\":true,\"result\":\"-1 ENOMEM\",\"rval\":-12,\"errno\":"
			      "\"ENOMEM\",\"changes\":[]}",
			      &ev, &changes));
	assert_int_equal(ev.pid, -3);
	assert_int_equal(ev.stack, 0);
	assert_true(
		read_line("{\"type\":\"event\",\"seq\":5,\"pid\":3,\"call\":\"madvise\","
			  "\"finished\":false,\"changes\":[{\"op\":\"release\",\"start\":"
			  "\"0x1000\",\"end\":\"0x2000\",\"origin\":\"kernel\",\"origin_stack\":1},"
			  "{\"op\":\"move\",\"start\":\"0x1000\",\"end\":\"0x2000\",\"origin\":4,"
			  "\"to\":\"0x9000\"},{\"op\":\"protect\",\"start\":\"0x1000\",\"end\":"
			  "\"0x2000\",\"origin\":4,\"prot\":\"r--\",\"old_prot\":\"rw-\"}]}",
			  &ev, &changes));
	assert_false(ev.finished);
	assert_int_equal(ev.time_ns, 0);
	assert_int_equal(changes.count, 3);
	assert_int_equal(changes.pieces[0].kind, ASPACE_PIECE_RELEASED);
	assert_int_equal(changes.pieces[0].origin_kind, ASPACE_ORIGIN_KERNEL);
	assert_int_equal(changes.pieces[0].origin_stack, 10);
	assert_int_equal(changes.pieces[0].origin_time_ns, 0);
	assert_int_equal(changes.pieces[1].kind, ASPACE_PIECE_MOVED);
	assert_int_equal(changes.pieces[2].kind, ASPACE_PIECE_PROTECTED);
	aspace_changes_free(&changes);
}

#define LINE(members) "{\"type\":\"event\",\"seq\":1,\"pid\":2,\"call\":\"mmap\"," members "}"
#define PIECE_LINE(piece) LINE("\"changes\":[" piece "]")

/* Lines the fast way leaves to jansson. */
static const char *const refused[] = {
	" " EVENT_LINE,
	EVENT_LINE " ",
	EVENT_LINE "\r",
	EVENT_LINE "}",
	"{ \"type\":\"event\",\"seq\":1,\"pid\":2,\"call\":\"x\",\"changes\":[]}",
	"{\"type\": \"event\",\"seq\":1,\"pid\":2,\"call\":\"x\",\"changes\":[]}",
	LINE("\"changes\":[] "),
	LINE("\"changes\":[ ]"),
	"{\"type\":\"event\",\"seq\":1,\"pid\":2,\"call\":\"mmap\",\"changes\":[]",
	"",
	"[]",
	/* Strings: escapes, controls, bytes past ASCII. */
	LINE("\"text\":\"a\\\"b\",\"changes\":[]"),
	LINE("\"text\":\"a\\u0041\",\"changes\":[]"),
	LINE("\"text\":\"a\tb\",\"changes\":[]"),
	LINE("\"text\":\"caf\xc3\xa9\",\"changes\":[]"),
	LINE("\"text\":\"a\x7f\",\"changes\":[]"),
	LINE("\"text\":\"unended,\"changes\":[]"),
	/* Members unknown, or twice; or missing. */
	LINE("\"future\":1,\"changes\":[]"),
	LINE("\"seq\":1,\"changes\":[]"),
	LINE("\"changes\":[],\"changes\":[]"),
	"{\"type\":\"event\",\"seq\":1,\"pid\":2,\"call\":\"mmap\"}",
	"{\"type\":\"event\",\"seq\":1,\"call\":\"mmap\",\"changes\":[]}",
	"{\"type\":\"event\",\"pid\":1,\"call\":\"mmap\",\"changes\":[]}",
	"{\"type\":\"event\",\"seq\":1,\"pid\":2,\"changes\":[]}",
	"{\"seq\":1,\"pid\":2,\"call\":\"mmap\",\"changes\":[]}",
	"{\"type\":\"stack\",\"seq\":1,\"pid\":2,\"call\":\"mmap\",\"changes\":[]}",
	"{\"type\":\"eventx\",\"seq\":1,\"pid\":2,\"call\":\"mmap\",\"changes\":[]}",
	/* Numbers: past 18 digits, leading zeros, signs, exponents, reals, strings. */
	"{\"type\":\"event\",\"seq\":1234567890123456789,\"pid\":2,\"call\":\"x\",\"changes\":[]}",
	"{\"type\":\"event\",\"seq\":01,\"pid\":2,\"call\":\"x\",\"changes\":[]}",
	"{\"type\":\"event\",\"seq\":-1,\"pid\":2,\"call\":\"x\",\"changes\":[]}",
	"{\"type\":\"event\",\"seq\":1.0,\"pid\":2,\"call\":\"x\",\"changes\":[]}",
	"{\"type\":\"event\",\"seq\":1e3,\"pid\":2,\"call\":\"x\",\"changes\":[]}",
	"{\"type\":\"event\",\"seq\":\"1\",\"pid\":2,\"call\":\"x\",\"changes\":[]}",
	"{\"type\":\"event\",\"seq\":1,\"pid\":-,\"call\":\"x\",\"changes\":[]}",
	"{\"type\":\"event\",\"seq\":1,\"pid\":+2,\"call\":\"x\",\"changes\":[]}",
	LINE("\"time\":1.5e3,\"changes\":[]"),
	LINE("\"time\":1e3,\"changes\":[]"),
	LINE("\"time\":-1.5,\"changes\":[]"),
	LINE("\"time\":.5,\"changes\":[]"),
	LINE("\"time\":1.,\"changes\":[]"),
	LINE("\"time\":00.5,\"changes\":[]"),
	LINE("\"time\":\"1.5\",\"changes\":[]"),
	LINE("\"stack\":-1,\"changes\":[]"),
	LINE("\"rval\":12345678901234567890,\"changes\":[]"),
	/* Other values of other types. */
	LINE("\"finished\":1,\"changes\":[]"),
	LINE("\"finished\":null,\"changes\":[]"),
	LINE("\"finished\":truex,\"changes\":[]"),
	LINE("\"call\":null,\"changes\":[]"),
	LINE("\"args\":[1],\"changes\":[]"),
	LINE("\"args\":\"0x1\",\"changes\":[]"),
	LINE("\"changes\":{}"),
	LINE("\"changes\":[1]"),
	LINE("\"changes\":[[]]"),
	/* Changes that are not one. */
	PIECE_LINE("{\"op\":\"grow\",\"start\":\"0x1\",\"end\":\"0x2\",\"origin\":1}"),
	PIECE_LINE("{\"start\":\"0x1\",\"end\":\"0x2\",\"origin\":1}"),
	PIECE_LINE("{\"op\":\"map\",\"end\":\"0x2\",\"origin\":1}"),
	PIECE_LINE("{\"op\":\"map\",\"start\":\"0x1\",\"origin\":1}"),
	PIECE_LINE("{\"op\":\"map\",\"start\":\"0x1\",\"end\":\"0x2\"}"),
	PIECE_LINE("{\"op\":\"map\",\"start\":\"0X1\",\"end\":\"0x2\",\"origin\":1}"),
	PIECE_LINE("{\"op\":\"map\",\"start\":\"0x\",\"end\":\"0x2\",\"origin\":1}"),
	PIECE_LINE("{\"op\":\"map\",\"start\":\"0x1A\",\"end\":\"0x2\",\"origin\":1}"),
	PIECE_LINE("{\"op\":\"map\",\"start\":\"0x10000000000000000\",\"end\":\"0x2\","
		   "\"origin\":1}"),
	PIECE_LINE("{\"op\":\"map\",\"start\":1,\"end\":\"0x2\",\"origin\":1}"),
	PIECE_LINE("{\"op\":\"map\",\"start\":\"0x1\",\"end\":\"0x2\",\"origin\":\"call\"}"),
	PIECE_LINE("{\"op\":\"map\",\"start\":\"0x1\",\"end\":\"0x2\",\"origin\":\"nowhere\"}"),
	PIECE_LINE("{\"op\":\"map\",\"start\":\"0x1\",\"end\":\"0x2\",\"origin\":\"5\"}"),
	PIECE_LINE("{\"op\":\"map\",\"start\":\"0x1\",\"end\":\"0x2\",\"origin\":-1}"),
	PIECE_LINE("{\"op\":\"map\",\"start\":\"0x1\",\"end\":\"0x2\",\"origin\":1,\"x\":1}"),
	PIECE_LINE("{\"op\":\"map\",\"start\":\"0x1\",\"end\":\"0x2\",\"origin\":1,\"path_hex\":"
		   "\"2f\"}"),
	PIECE_LINE(
		"{\"op\":\"map\",\"op\":\"map\",\"start\":\"0x1\",\"end\":\"0x2\",\"origin\":1}"),
	PIECE_LINE("{\"op\":\"unmap\",\"start\":\"0x1\",\"end\":\"0x2\",\"origin\":1,\"left\":"
		   "\"5\"}"),
	PIECE_LINE("{\"op\":\"unmap\",\"start\":\"0x1\",\"end\":\"0x2\",\"origin\":1,"
		   "\"origin_time\":null}"),
	PIECE_LINE("{\"op\":\"map\",\"start\":\"0x1\",\"end\":\"0x2\",\"origin\":1,\"flags\":"
		   "\"0\"}"),
};

static void test_refused(void **state)
{
	struct aspace_changes changes = { 0 };
	struct trace_event ev;

	(void)state;
	/* The table's lines are refused for what they differ in: this one is read. */
	assert_true(read_line(PIECE_LINE("{\"op\":\"map\",\"start\":\"0x1\",\"end\":\"0x2\","
					 "\"origin\":1}"),
			      &ev, &changes));
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (read_line(refused[i], &ev, &changes))
			fail_msg("read the fast way: %s", refused[i]);
	aspace_changes_free(&changes);
}

/* Hex as get_hex reads it with strtoull: past 64 bits, false and UINT64_MAX. */
static void test_hex(void **state)
{
	uint64_t value = 7;

	(void)state;
	assert_true(traceline_hex("0xffffffffffffffff", 18, &value));
	assert_int_equal(value, UINT64_MAX);
	assert_true(traceline_hex("0x000000000000000000001", 23, &value));
	assert_int_equal(value, 1);
	value = 7;
	assert_false(traceline_hex("0xg", 3, &value));
	assert_false(traceline_hex("0x", 2, &value));
	assert_false(traceline_hex("1x1", 3, &value));
	assert_int_equal(value, 7);
	assert_false(traceline_hex("0x10000000000000000", 19, &value));
	assert_int_equal(value, UINT64_MAX);
	assert_int_equal(traceline_ns_int(-1), 0);
	assert_int_equal(traceline_ns_int(9000000000LL), 0);
	assert_int_equal(traceline_ns_real(1e10), 0);
	assert_int_equal(traceline_ns_real(2.5), 2500000000ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map),	      cmocka_unit_test(test_unmap),
		cmocka_unit_test(test_other_changes), cmocka_unit_test(test_refused),
		cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
