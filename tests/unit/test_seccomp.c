/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of tracer/seccomp: the filter's shape, what it returns for
 * every system call number (run by a small BPF interpreter here), and the
 * real kernel's verdict once a child installs it.
 *
 * The kernel check relies on kernel/seccomp.c, __seccomp_filter(): a
 * SECCOMP_RET_TRACE call with no tracer attached fails with ENOSYS.  So
 * the child, which nobody traces, sees ENOSYS from exactly the calls the
 * filter traces, and the normal result from the others.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "arch.h"
#include "seccomp.h"
#include "sysdecode.h"
#include "util.h"

/* The personalities' nr_known_max: file_setattr, Linux 6.17. */
#define KNOWN_MAX 469

#if defined(__x86_64__)
#define X32(nr) ((nr) | __X32_SYSCALL_BIT)

static void test_personalities(void **state)
{
	const struct arch_personality *x86_64 = arch_personality(AUDIT_ARCH_X86_64);
	const struct arch_personality *i386 = arch_personality(AUDIT_ARCH_I386);

	(void)state;
	/* The filter compares against these: they must be the kernel's. */
	assert_string_equal(arch_host.name, "x86_64");
	assert_int_equal(arch_host.npersonalities, 2);
	assert_ptr_equal(x86_64, &arch_host.personalities[0]);
	assert_ptr_equal(i386, &arch_host.personalities[1]);
	assert_int_equal(x86_64->nr_abi_bit, __X32_SYSCALL_BIT);
	assert_int_equal(x86_64->nr_known_max, KNOWN_MAX);
	assert_int_equal(x86_64->nr_exit_group, 231);
	assert_int_equal(i386->nr_abi_bit, 0);
	assert_int_equal(i386->nr_exit_group, 252);
}
#elif defined(__aarch64__)
static void test_personalities(void **state)
{
	const struct arch_personality *aarch64 = arch_personality(AUDIT_ARCH_AARCH64);

	(void)state;
	assert_string_equal(arch_host.name, "aarch64");
	assert_int_equal(arch_host.npersonalities, 1);
	assert_ptr_equal(aarch64, &arch_host.personalities[0]);
	assert_int_equal(aarch64->nr_abi_bit, 0);
	assert_int_equal(aarch64->nr_known_max, KNOWN_MAX);
	assert_int_equal(aarch64->nr_exit_group, 94);
	/* arm32 (compat) tasks: no personality, so their calls are all traced. */
	assert_null(arch_personality(AUDIT_ARCH_ARM));
}
#endif

/*
 * Checks the block of personality pers, which starts at insn start and
 * must end at next; trace is the index of ret TRACE.  Returns next.
 *
 *	start  jeq AUDIT_ARCH ? start + 1 : next
 *	       ld  nr
 *	       jge ABI_BIT ? TRACE : next insn    with an nr_abi_bit only
 *	       jeq nr_1 ? TRACE : next insn       one per traced number
 *	       ...
 *	       jgt KNOWN_MAX ? TRACE : next insn
 *	       ret ALLOW
 *	next
 */
static unsigned int check_block(const struct seccomp_prog *prog, unsigned int start,
				const struct arch_personality *pers, unsigned int trace)
{
	uint32_t nrs[SECCOMP_MAX_INSNS];
	size_t count = sysdecode_traced(pers, nrs, ARRAY_SIZE(nrs));
	unsigned int pc = start,
		     next = start + 4 + (pers->nr_abi_bit ? 1 : 0) + (unsigned int)count;

	assert_true(next <= trace);
	assert_int_equal(prog->insns[pc].code, BPF_JMP | BPF_JEQ | BPF_K);
	assert_int_equal(prog->insns[pc].k, pers->audit_arch);
	assert_int_equal(prog->insns[pc].jt, 0);
	assert_int_equal(pc + 1 + prog->insns[pc].jf, next);
	pc++;
	assert_int_equal(prog->insns[pc].code, BPF_LD | BPF_W | BPF_ABS);
	assert_int_equal(prog->insns[pc].k, offsetof(struct seccomp_data, nr));
	pc++;
	if (pers->nr_abi_bit) {
		assert_int_equal(prog->insns[pc].code, BPF_JMP | BPF_JGE | BPF_K);
		assert_int_equal(prog->insns[pc].k, pers->nr_abi_bit);
		assert_int_equal(pc + 1 + prog->insns[pc].jt, trace);
		assert_int_equal(prog->insns[pc].jf, 0);
		pc++;
	}
	/* One jeq per traced number, in the table's order, each to TRACE. */
	for (size_t i = 0; i < count; i++, pc++) {
		const struct sock_filter *insn = &prog->insns[pc];

		assert_int_equal(insn->code, BPF_JMP | BPF_JEQ | BPF_K);
		assert_int_equal(insn->k, nrs[i]);
		assert_int_equal(pc + 1 + insn->jt, trace);
		assert_int_equal(insn->jf, 0);
	}
	assert_int_equal(prog->insns[pc].code, BPF_JMP | BPF_JGT | BPF_K);
	assert_int_equal(prog->insns[pc].k, pers->nr_known_max);
	assert_int_equal(pc + 1 + prog->insns[pc].jt, trace);
	assert_int_equal(prog->insns[pc].jf, 0);
	pc++;
	assert_int_equal(prog->insns[pc].code, BPF_RET | BPF_K);
	assert_int_equal(prog->insns[pc].k, SECCOMP_RET_ALLOW);
	pc++;
	assert_int_equal(pc, next);
	return next;
}

/*
 *	0  ld  arch
 *	1  the x86_64 block (with x32's jge)
 *	   the i386 block
 *	   ret TRACE
 */
static void test_build_shape(void **state)
{
	struct seccomp_prog prog;
	unsigned int pc = 1, last;

	(void)state;
	memset(&prog, 0xa5, sizeof(prog));
	seccomp_build(&prog);
	assert_true(prog.len <= SECCOMP_MAX_INSNS);
	last = prog.len - 1u;

	assert_int_equal(prog.insns[0].code, BPF_LD | BPF_W | BPF_ABS);
	assert_int_equal(prog.insns[0].k, offsetof(struct seccomp_data, arch));
	for (size_t i = 0; i < arch_host.npersonalities; i++)
		pc = check_block(&prog, pc, &arch_host.personalities[i], last);
	assert_int_equal(pc, last);
	assert_int_equal(prog.insns[last].code, BPF_RET | BPF_K);
	assert_int_equal(prog.insns[last].k, SECCOMP_RET_TRACE);

	/* Building again gives the same program (prog.len restarts at 0). */
	{
		struct seccomp_prog again;

		memset(&again, 0, sizeof(again));
		seccomp_build(&again);
		assert_int_equal(again.len, prog.len);
		assert_memory_equal(again.insns, prog.insns, prog.len * sizeof(prog.insns[0]));
	}
}

/*
 * Runs prog on one seccomp_data, as the kernel would, for the instructions
 * the filter may use; anything else fails the test.  Returns the action.
 */
static uint32_t run_filter(const struct seccomp_prog *prog, uint32_t arch, uint32_t nr)
{
	struct seccomp_data data = { .nr = (int)nr, .arch = arch };
	uint32_t acc = 0;
	unsigned int pc = 0;

	while (pc < prog->len) {
		const struct sock_filter *insn = &prog->insns[pc];
		bool cond;

		switch (insn->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (insn->k % 4 || insn->k > sizeof(data) - 4)
				fail_msg("insn %u: load at offset %u", pc, insn->k);
			memcpy(&acc, (const char *)&data + insn->k, 4);
			pc++;
			continue;
		case BPF_RET | BPF_K:
			return insn->k;
		case BPF_JMP | BPF_JEQ | BPF_K:
			cond = acc == insn->k;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			cond = acc >= insn->k;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			cond = acc > insn->k;
			break;
		default:
			fail_msg("insn %u: unexpected code %#x", pc, insn->code);
			return 0;
		}
		pc += 1u + (cond ? insn->jt : insn->jf);
	}
	fail_msg("ran off the end of the program (pc %u, len %u)", pc, prog->len);
	return 0;
}

static const char *action_name(uint32_t action)
{
	switch (action) {
	case SECCOMP_RET_ALLOW:
		return "ALLOW";
	case SECCOMP_RET_TRACE:
		return "TRACE";
	default:
		return "other";
	}
}

static void check_action(const struct seccomp_prog *prog, uint32_t arch, uint32_t nr,
			 uint32_t expected)
{
	uint32_t got = run_filter(prog, arch, nr);

	if (got != expected)
		fail_msg("arch %#x nr %#x: expected %s, got %s (%#x)", arch, nr,
			 action_name(expected), action_name(got), got);
}

/* TRACE exactly for the rows of pers's table, its exit_group and its also_traced. */
static void check_personality(const struct seccomp_prog *prog, const struct arch_personality *pers)
{
	for (uint32_t nr = 0; nr <= pers->nr_known_max; nr++) {
		bool traced = sysdecode_lookup(pers->audit_arch, nr) ||
			      sysdecode_is_exit_group(pers->audit_arch, nr);

		for (size_t i = 0; i < pers->nalso_traced; i++)
			traced |= pers->also_traced[i] == nr;
		check_action(prog, pers->audit_arch, nr,
			     traced ? SECCOMP_RET_TRACE : SECCOMP_RET_ALLOW);
	}
	/* A number added after the table was written must not pass unseen. */
	check_action(prog, pers->audit_arch, pers->nr_known_max + 1, SECCOMP_RET_TRACE);
	check_action(prog, pers->audit_arch, 1000, SECCOMP_RET_TRACE);
	check_action(prog, pers->audit_arch, 0x3fffffff, SECCOMP_RET_TRACE);
	/* syscall(-1). */
	check_action(prog, pers->audit_arch, 0xffffffff, SECCOMP_RET_TRACE);
}

#if defined(__x86_64__)
static void test_build_verdicts(void **state)
{
	/* Memory calls of x86_64 and i386 and a few of their neighbours. */
	static const uint32_t foreign_nrs[] = { 0,  9,	20,  39,	 45,
						90, 91, 192, 0x40000009, 0xffffffff };
	/* Other x86_64 numbers: read, getpid, clone, execve, lgetxattr (i386 mmap2). */
	static const uint32_t allowed[] = { 0, 1, 39, 56, 59, 60, 192, 435, 468, 469 };
	/* Other i386 numbers: exit, read, getpid, clone, lgetxattr (x86_64 mmap), clone3. */
	static const uint32_t allowed_i386[] = { 1, 3, 20, 120, 229, 435, 469 };
	/* i386 memory calls, exit_group and ipc. */
	static const uint32_t traced_i386[] = { 45, 90, 91, 117, 125, 192, 252, 397, 398 };
	struct seccomp_prog prog;

	(void)state;
	seccomp_build(&prog);

	for (size_t i = 0; i < arch_host.npersonalities; i++)
		check_personality(&prog, &arch_host.personalities[i]);
	/* exit_group (231), a process's end, is traced; exit (60), a thread's, is not (allowed[]). */
	check_action(&prog, AUDIT_ARCH_X86_64, 231, SECCOMP_RET_TRACE);
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		check_action(&prog, AUDIT_ARCH_X86_64, allowed[i], SECCOMP_RET_ALLOW);
	check_action(&prog, AUDIT_ARCH_X86_64, KNOWN_MAX + 1, SECCOMP_RET_TRACE);
	for (size_t i = 0; i < ARRAY_SIZE(allowed_i386); i++)
		check_action(&prog, AUDIT_ARCH_I386, allowed_i386[i], SECCOMP_RET_ALLOW);
	for (size_t i = 0; i < ARRAY_SIZE(traced_i386); i++)
		check_action(&prog, AUDIT_ARCH_I386, traced_i386[i], SECCOMP_RET_TRACE);

	/* x32: every number, memory call or not. */
	check_action(&prog, AUDIT_ARCH_X86_64, X32(9), SECCOMP_RET_TRACE);
	check_action(&prog, AUDIT_ARCH_X86_64, X32(11), SECCOMP_RET_TRACE);
	check_action(&prog, AUDIT_ARCH_X86_64, X32(39), SECCOMP_RET_TRACE);
	check_action(&prog, AUDIT_ARCH_X86_64, X32(0), SECCOMP_RET_TRACE);
	/* i386 has no such bit: 0x40000014 is merely above its highest known number. */
	check_action(&prog, AUDIT_ARCH_I386, 0x40000000 | 20, SECCOMP_RET_TRACE);

	/* Any other architecture: TRACE, whatever the number. */
	for (size_t i = 0; i < ARRAY_SIZE(foreign_nrs); i++) {
		check_action(&prog, AUDIT_ARCH_AARCH64, foreign_nrs[i], SECCOMP_RET_TRACE);
		check_action(&prog, AUDIT_ARCH_X86_64 & ~__AUDIT_ARCH_64BIT, foreign_nrs[i],
			     SECCOMP_RET_TRACE);
		check_action(&prog, 0, foreign_nrs[i], SECCOMP_RET_TRACE);
	}
}
#elif defined(__aarch64__)
static void test_build_verdicts(void **state)
{
	/* Numbers of other ABIs: x86_64's and arm32's mmap, mmap2, getpid. */
	static const uint32_t foreign_nrs[] = { 0, 9, 20, 39, 90, 192, 222, 0xffffffff };
	/* Other aarch64 numbers: lsetxattr (x86_64's mmap), read, exit, getpid, clone, execve, clone3. */
	static const uint32_t allowed[] = { 9, 10, 11, 12, 25, 63, 93, 172, 220, 221, 435, 469 };
	static const uint32_t traced[] = { 0,	1,   94,  196, 197, 214, 215,
					   216, 222, 226, 233, 234, 288 };
	struct seccomp_prog prog;

	(void)state;
	seccomp_build(&prog);
	check_personality(&prog, &arch_host.personalities[0]);
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		check_action(&prog, AUDIT_ARCH_AARCH64, allowed[i], SECCOMP_RET_ALLOW);
	for (size_t i = 0; i < ARRAY_SIZE(traced); i++)
		check_action(&prog, AUDIT_ARCH_AARCH64, traced[i], SECCOMP_RET_TRACE);
	check_action(&prog, AUDIT_ARCH_AARCH64, KNOWN_MAX + 1, SECCOMP_RET_TRACE);
	/* Any other architecture (an arm32 task among them): TRACE, whatever the number. */
	for (size_t i = 0; i < ARRAY_SIZE(foreign_nrs); i++) {
		check_action(&prog, AUDIT_ARCH_ARM, foreign_nrs[i], SECCOMP_RET_TRACE);
		check_action(&prog, AUDIT_ARCH_X86_64, foreign_nrs[i], SECCOMP_RET_TRACE);
		check_action(&prog, 0, foreign_nrs[i], SECCOMP_RET_TRACE);
	}
}
#endif

#if defined(__x86_64__)
/* i386 call nr with one argument through the i386 entry; the kernel clobbers r8-r11 on this path. */
static long int80_call(long nr, long arg)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(arg)
			 : "memory", "r8", "r9", "r10", "r11", "cc");
	return ret;
}

#define NR_GETPID_I386 20
#define NR_BRK_I386 45

/*
 * Whether int $0x80 works here.  Probed in a child: without IA32
 * emulation it may fail with ENOSYS or raise SIGSEGV.
 */
static bool have_int80(void)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(int80_call(NR_GETPID_I386, 0) == getpid() ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
#else
/* int $0x80 is x86's. */
static bool have_int80(void)
{
	return false;
}
#endif

/* One call the filtered child makes, and what it must see. */
enum probe_expect {
	PROBE_ENOSYS,	/* traced: -1 ENOSYS, as no tracer is attached */
	PROBE_ERRNO,	/* allowed, fails in the kernel with errno */
	PROBE_RVAL,	/* allowed, returns rval */
	PROBE_NEGATIVE, /* raw int $0x80: returns -ENOSYS in eax */
};

struct probe {
	const char *what;
	enum probe_expect expect;
	long value; /* the errno or return value expected */
};

enum {
	P_MMAP,
	P_MUNMAP,
	P_MPROTECT,
	P_MADVISE,
	P_MREMAP,
	P_BRK,
	P_GETPPID,
	P_GETPID,
	P_READ_BADF,
	P_LGETXATTR,
	P_NR_1000,
	P_NR_AFTER_KNOWN,
	P_X32_GETPID,
	P_INT80_GETPID,
	P_INT80_BRK,
	P_COUNT
};

/* What the child sends back: the raw result and errno of every probe. */
struct probe_report {
	int install_err;
	bool ran[P_COUNT];
	long ret[P_COUNT];
	int err[P_COUNT];
};

static void run_probe(struct probe_report *rep, int idx, long ret)
{
	rep->ran[idx] = true;
	rep->ret[idx] = ret;
	rep->err[idx] = ret == -1 ? errno : 0;
}

/*
 * The filtered child: no malloc, no stdio (their mmap would fail with
 * ENOSYS), only raw calls, one write, and _exit.
 */
static void filtered_child(int fd, bool int80, void *page)
{
	struct probe_report rep;
	struct seccomp_prog prog;
	pid_t self = getpid();

	memset(&rep, 0, sizeof(rep));
	seccomp_build(&prog);
	rep.install_err = seccomp_install(&prog);
	if (rep.install_err == 0) {
		/*
		 * Each of these would succeed untraced: page is mapped, and
		 * brk(0) returns the current break.
		 */
		run_probe(&rep, P_MMAP,
			  syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1,
				  0));
		run_probe(&rep, P_MUNMAP, syscall(SYS_munmap, page, 4096));
		run_probe(&rep, P_MPROTECT, syscall(SYS_mprotect, page, 4096, PROT_READ));
		run_probe(&rep, P_MADVISE, syscall(SYS_madvise, page, 4096, MADV_NORMAL));
		run_probe(&rep, P_MREMAP, syscall(SYS_mremap, page, 4096, 4096, 0));
		run_probe(&rep, P_BRK, syscall(SYS_brk, 0));
		run_probe(&rep, P_GETPPID, syscall(SYS_getppid));
		run_probe(&rep, P_GETPID, syscall(SYS_getpid) == self ? 1 : 0);
		run_probe(&rep, P_READ_BADF, syscall(SYS_read, -1, NULL, 0));
		/* 192: lgetxattr here, mmap2 on i386. */
		run_probe(&rep, P_LGETXATTR,
			  syscall(SYS_lgetxattr, "/nonexistent/memtrace", "user.x", NULL, 0));
		/* Untraced these fail with ENOSYS too; the interpreter test tells them apart. */
		run_probe(&rep, P_NR_1000, syscall(1000));
		run_probe(&rep, P_NR_AFTER_KNOWN, syscall(KNOWN_MAX + 1));
#if defined(__x86_64__)
		run_probe(&rep, P_X32_GETPID, syscall(X32(SYS_getpid)));
		if (int80) {
			run_probe(&rep, P_INT80_GETPID,
				  int80_call(NR_GETPID_I386, 0) == self ? 1 : 0);
			run_probe(&rep, P_INT80_BRK, int80_call(NR_BRK_I386, 0));
		}
#else
		(void)int80;
#endif
	}
	if (write(fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		_exit(2);
	_exit(0);
}

static void test_install_kernel(void **state)
{
	struct probe probes[P_COUNT] = {
		[P_MMAP] = { "mmap", PROBE_ENOSYS, 0 },
		[P_MUNMAP] = { "munmap", PROBE_ENOSYS, 0 },
		[P_MPROTECT] = { "mprotect", PROBE_ENOSYS, 0 },
		[P_MADVISE] = { "madvise", PROBE_ENOSYS, 0 },
		[P_MREMAP] = { "mremap", PROBE_ENOSYS, 0 },
		[P_BRK] = { "brk", PROBE_ENOSYS, 0 },
		[P_GETPPID] = { "getppid", PROBE_RVAL, getpid() },
		[P_GETPID] = { "getpid is the child's pid", PROBE_RVAL, 1 },
		[P_READ_BADF] = { "read(-1)", PROBE_ERRNO, EBADF },
		[P_LGETXATTR] = { "lgetxattr (x86_64 192)", PROBE_ERRNO, ENOENT },
		[P_NR_1000] = { "syscall 1000", PROBE_ENOSYS, 0 },
		[P_NR_AFTER_KNOWN] = { "syscall KNOWN_MAX + 1", PROBE_ENOSYS, 0 },
		[P_X32_GETPID] = { "x32 getpid", PROBE_ENOSYS, 0 },
		[P_INT80_GETPID] = { "int $0x80 getpid is the child's pid", PROBE_RVAL, 1 },
		[P_INT80_BRK] = { "int $0x80 brk", PROBE_NEGATIVE, -ENOSYS },
	};
	struct probe_report rep;
	bool int80 = have_int80();
	void *page;
	int fds[2];
	int status;
	ssize_t len;
	pid_t pid;

	(void)state;
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(page != MAP_FAILED);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		(void)close(fds[0]);
		filtered_child(fds[1], int80, page);
	}
	(void)close(fds[1]);
	len = read(fds[0], &rep, sizeof(rep));
	(void)close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(len, (ssize_t)sizeof(rep));
	assert_int_equal(munmap(page, 4096), 0);

	if (rep.install_err == -ENOSYS || rep.install_err == -EINVAL)
		skip();
	assert_int_equal(rep.install_err, 0);

	for (int i = 0; i < P_COUNT; i++) {
		const struct probe *pr = &probes[i];

		if (!rep.ran[i]) {
			assert_true(i == P_INT80_GETPID || i == P_INT80_BRK || i == P_X32_GETPID);
			print_message("%s: not on this machine, not checked\n", pr->what);
			continue;
		}
		switch (pr->expect) {
		case PROBE_ENOSYS:
			if (rep.ret[i] != -1 || rep.err[i] != ENOSYS)
				fail_msg("%s: expected -1 ENOSYS, got %ld errno %d", pr->what,
					 rep.ret[i], rep.err[i]);
			break;
		case PROBE_ERRNO:
			if (rep.ret[i] != -1 || rep.err[i] != pr->value)
				fail_msg("%s: expected -1 errno %ld, got %ld errno %d", pr->what,
					 pr->value, rep.ret[i], rep.err[i]);
			break;
		case PROBE_RVAL:
		case PROBE_NEGATIVE:
			if (rep.ret[i] != pr->value)
				fail_msg("%s: expected %ld, got %ld errno %d", pr->what, pr->value,
					 rep.ret[i], rep.err[i]);
			break;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_personalities),
		cmocka_unit_test(test_build_shape),
		cmocka_unit_test(test_build_verdicts),
		cmocka_unit_test(test_install_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
