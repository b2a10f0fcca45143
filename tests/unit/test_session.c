/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of what the live run (tracer/session.c) tells its outputs of
 * a process's end: compiled in here, with an output that keeps what it is
 * told, and processes made by hand as the engine leaves them.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Its sink is static: compiled in, on purpose. */
/* NOLINTNEXTLINE(bugprone-suspicious-include) */
#include "../../tracer/session.c"

/* An output that keeps the end proc_end was told. */
struct keeper {
	struct output out;
	struct names_ending end;
	unsigned int ends;
};

static void keep_end(struct output *out, const struct report_proc *proc, uint64_t time_ns)
{
	struct keeper *keeper = (struct keeper *)out;

	(void)time_ns;
	keeper->end = proc->end;
	keeper->ends++;
}

static const struct output_ops keeper_ops = { .proc_end = keep_end };

/* The end the outputs are told of at proc's end, as the events print it. */
static const char *end_told(struct proc *proc, char *buf, size_t size)
{
	struct session_options opts = { .no_stacks = true };
	struct session *session = session_new(&opts);
	struct keeper keeper = { .out = { .ops = &keeper_ops, .what = "the keeper" } };

	session->outputs[session->noutputs++] = &keeper.out;
	sink_proc_end(session, proc, 0);
	session->noutputs = 0;
	session_free(session);
	assert_int_equal(keeper.ends, 1);
	return names_end_text(buf, size, &keeper.end);
}

/* How the report and the trace's summary read proc's end. */
static const char *end_read(const struct proc *proc, char *buf, size_t size)
{
	struct report_proc rp;

	return names_end_text(buf, size, &report_proc_of(proc, &rp)->end);
}

/* An ended process's end is its status, detached or not; the summary still says detached. */
static void test_ends(void **state)
{
	struct proc proc = { .pid = 4321, .reported = true, .ended = true };
	char buf[64];

	(void)state;
	proc.wait_status = 3 << 8;
	assert_string_equal(end_told(&proc, buf, sizeof(buf)), "exited with 3");
	assert_string_equal(end_read(&proc, buf, sizeof(buf)), "exited with 3");
	proc.wait_status = SIGSEGV | 0x80;
	assert_string_equal(end_told(&proc, buf, sizeof(buf)), "killed by SIGSEGV (core dumped)");
	assert_string_equal(end_read(&proc, buf, sizeof(buf)), "killed by SIGSEGV (core dumped)");

	/* Let go of, then its last task exited during the detach. */
	proc.detached = true;
	proc.wait_status = 5 << 8;
	assert_string_equal(end_told(&proc, buf, sizeof(buf)), "exited with 5");
	assert_string_equal(end_read(&proc, buf, sizeof(buf)), "detached, running on");
	proc.wait_status = SIGKILL;
	assert_string_equal(end_told(&proc, buf, sizeof(buf)), "killed by SIGKILL");
	assert_string_equal(end_read(&proc, buf, sizeof(buf)), "detached, running on");

	/* Let go of, running on; and not ended. */
	proc.ended = false;
	assert_string_equal(end_read(&proc, buf, sizeof(buf)), "detached, running on");
	proc.detached = false;
	assert_string_equal(end_read(&proc, buf, sizeof(buf)), "still running");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
