/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of tracer/arch on x86_64: a system call, the stack pointer,
 * the program counter and the result read from both layouts of the
 * NT_PRSTATUS regset (a task running 64-bit code, and one running 32-bit
 * code), the DWARF register map against libunwind's numbers, and where
 * clone and clone3 keep their flags.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <elf.h>
#include <linux/audit.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>
#include <libunwind.h>

#include "arch.h"
#include "unittest.h"
#include "util.h"

#define USER_CS 0x33   /* 64-bit code */
#define USER32_CS 0x23 /* 32-bit code */

/* A 64-bit task's registers, each holding a value of its own. */
static struct arch_regs regs64(unsigned long long cs)
{
	struct arch_regs regs;
	struct user_regs_struct *r = &regs.raw.r64;

	memset(&regs, 0, sizeof(regs));
	regs.len = sizeof(regs.raw.r64);
	r->rax = 0x1000000000000000ULL;
	r->rdx = 0x1000000000000001ULL;
	r->rcx = 0x1000000000000002ULL;
	r->rbx = 0x1000000000000003ULL;
	r->rsi = 0x1000000000000004ULL;
	r->rdi = 0x1000000000000005ULL;
	r->rbp = 0x1000000000000006ULL;
	r->rsp = 0x1000000000000007ULL;
	r->r8 = 0x1000000000000008ULL;
	r->r9 = 0x1000000000000009ULL;
	r->r10 = 0x100000000000000aULL;
	r->r11 = 0x100000000000000bULL;
	r->r12 = 0x100000000000000cULL;
	r->r13 = 0x100000000000000dULL;
	r->r14 = 0x100000000000000eULL;
	r->r15 = 0x100000000000000fULL;
	r->rip = 0x1000000000000010ULL;
	r->orig_rax = 9;
	r->cs = cs;
	return regs;
}

/* A 32-bit task's registers, in i386's layout. */
static struct arch_regs regs32(void)
{
	struct arch_regs regs;
	struct arch_i386_regs *r = &regs.raw.r32;

	memset(&regs, 0, sizeof(regs));
	regs.len = sizeof(regs.raw.r32);
	r->eax = 0xf0000000;
	r->edx = 0xf0000001;
	r->ecx = 0xf0000002;
	r->ebx = 0xf0000003;
	r->esi = 0xf0000004;
	r->edi = 0xf0000005;
	r->ebp = 0xf0000006;
	r->esp = 0xf0000007;
	r->eip = 0xf0000010;
	r->orig_eax = 192;
	r->xcs = USER32_CS;
	return regs;
}

static void test_layouts(void **state)
{
	(void)state;
	/* The kernel's user_regs_struct of each mode (arch/x86/include/asm/user_{64,32}.h). */
	assert_int_equal(sizeof(struct user_regs_struct), 27 * 8);
	assert_int_equal(sizeof(struct arch_i386_regs), 17 * 4);
	assert_int_equal(offsetof(struct arch_i386_regs, orig_eax), 11 * 4);
	assert_int_equal(offsetof(struct arch_i386_regs, eip), 12 * 4);
	assert_int_equal(offsetof(struct arch_i386_regs, esp), 15 * 4);
}

static void test_syscall_64(void **state)
{
	struct arch_regs regs = regs64(USER_CS);
	uint64_t nr, args[6];
	uint32_t arch;

	(void)state;
	arch_regs_syscall(&regs, &arch, &nr, args);
	assert_int_equal(arch, AUDIT_ARCH_X86_64);
	assert_int_equal(nr, 9);
	assert_int_equal(args[0], regs.raw.r64.rdi);
	assert_int_equal(args[1], regs.raw.r64.rsi);
	assert_int_equal(args[2], regs.raw.r64.rdx);
	assert_int_equal(args[3], regs.raw.r64.r10);
	assert_int_equal(args[4], regs.raw.r64.r8);
	assert_int_equal(args[5], regs.raw.r64.r9);
	assert_int_equal(arch_regs_sp(&regs), regs.raw.r64.rsp);
	assert_int_equal(arch_regs_pc(&regs), regs.raw.r64.rip);

	/* The 64-bit layout with a 32-bit code segment: the i386 registers. */
	regs = regs64(USER32_CS);
	arch_regs_syscall(&regs, &arch, &nr, args);
	assert_int_equal(arch, AUDIT_ARCH_I386);
	assert_int_equal(args[0], regs.raw.r64.rbx);
	assert_int_equal(args[1], regs.raw.r64.rcx);
	assert_int_equal(args[2], regs.raw.r64.rdx);
	assert_int_equal(args[3], regs.raw.r64.rsi);
	assert_int_equal(args[4], regs.raw.r64.rdi);
	assert_int_equal(args[5], regs.raw.r64.rbp);
}

static void test_syscall_32(void **state)
{
	struct arch_regs regs = regs32();
	uint64_t nr, args[6];
	uint32_t arch;

	(void)state;
	arch_regs_syscall(&regs, &arch, &nr, args);
	assert_int_equal(arch, AUDIT_ARCH_I386);
	assert_int_equal(nr, 192);
	/* Zero-extended: the decoder narrows and sign-extends what is signed. */
	assert_int_equal(args[0], 0xf0000003ULL);
	assert_int_equal(args[1], 0xf0000002ULL);
	assert_int_equal(args[2], 0xf0000001ULL);
	assert_int_equal(args[3], 0xf0000004ULL);
	assert_int_equal(args[4], 0xf0000005ULL);
	assert_int_equal(args[5], 0xf0000006ULL);
	assert_int_equal(arch_regs_sp(&regs), 0xf0000007ULL);
	assert_int_equal(arch_regs_pc(&regs), 0xf0000010ULL);

	/* Outside a system call orig_eax is -1, as the kernel's int. */
	regs.raw.r32.orig_eax = 0xffffffff;
	arch_regs_syscall(&regs, &arch, &nr, args);
	assert_int_equal(nr, UINT64_MAX);
}

static void check_result(const struct arch_regs *regs, int64_t rval, bool is_error)
{
	int64_t got;
	bool got_error;

	arch_regs_result(regs, &got, &got_error);
	assert_int_equal(got, rval);
	assert_int_equal(got_error, is_error);
}

static void test_result(void **state)
{
	struct arch_regs regs = regs64(USER_CS);

	(void)state;
	regs.raw.r64.rax = 0x7f3a1c000000ULL;
	check_result(&regs, 0x7f3a1c000000LL, false);
	regs.raw.r64.rax = (unsigned long long)-ENOMEM;
	check_result(&regs, -ENOMEM, true);
	regs.raw.r64.rax = (unsigned long long)-4095;
	check_result(&regs, -4095, true);
	regs.raw.r64.rax = (unsigned long long)-4096;
	check_result(&regs, -4096, false);

	regs = regs32();
	/* An address above 2 GiB stays positive. */
	regs.raw.r32.eax = 0xf7f00000;
	check_result(&regs, 0xf7f00000LL, false);
	regs.raw.r32.eax = (uint32_t)-ENOMEM;
	check_result(&regs, -ENOMEM, true);
	regs.raw.r32.eax = (uint32_t)-4095;
	check_result(&regs, -4095, true);
	regs.raw.r32.eax = 0;
	check_result(&regs, 0, false);
}

static uint64_t unwind_reg(const struct arch_regs *regs, int regnum)
{
	uint64_t val = 0;

	assert_int_equal(arch_regs_unwind(regs, regnum, &val), 0);
	return val;
}

/* The DWARF map, by libunwind's own numbers. */
static void test_unwind_map(void **state)
{
	struct arch_regs regs = regs64(USER_CS);
	const struct user_regs_struct *r = &regs.raw.r64;
	const struct {
		int regnum;
		uint32_t val32; /* in the 32-bit layout: 0 for r8-r15 */
		unsigned long long val;
	} map[] = {
		{ UNW_X86_64_RAX, 0xf0000000, r->rax },
		{ UNW_X86_64_RDX, 0xf0000001, r->rdx },
		{ UNW_X86_64_RCX, 0xf0000002, r->rcx },
		{ UNW_X86_64_RBX, 0xf0000003, r->rbx },
		{ UNW_X86_64_RSI, 0xf0000004, r->rsi },
		{ UNW_X86_64_RDI, 0xf0000005, r->rdi },
		{ UNW_X86_64_RBP, 0xf0000006, r->rbp },
		{ UNW_X86_64_RSP, 0xf0000007, r->rsp },
		{ UNW_X86_64_R8, 0, r->r8 },
		{ UNW_X86_64_R9, 0, r->r9 },
		{ UNW_X86_64_R10, 0, r->r10 },
		{ UNW_X86_64_R11, 0, r->r11 },
		{ UNW_X86_64_R12, 0, r->r12 },
		{ UNW_X86_64_R13, 0, r->r13 },
		{ UNW_X86_64_R14, 0, r->r14 },
		{ UNW_X86_64_R15, 0, r->r15 },
		{ UNW_X86_64_RIP, 0xf0000010, r->rip },
	};
	struct arch_regs r32 = regs32();
	uint64_t val;

	(void)state;
	assert_int_equal(UNW_REG_IP, UNW_X86_64_RIP);
	assert_int_equal(UNW_REG_SP, UNW_X86_64_RSP);
	assert_int_equal(arch_host.unwind_pc, UNW_X86_64_RIP);
	assert_int_equal(arch_host.unwind_sp, UNW_X86_64_RSP);
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		assert_int_equal(unwind_reg(&regs, map[i].regnum), map[i].val);
		assert_int_equal(unwind_reg(&r32, map[i].regnum), map[i].val32);
	}
	assert_int_equal(arch_regs_unwind(&regs, UNW_X86_64_RIP + 1, &val), -EINVAL);
	assert_int_equal(arch_regs_unwind(&regs, -1, &val), -EINVAL);
	assert_int_equal(arch_regs_unwind(&r32, UNW_X86_64_RIP + 1, &val), -EINVAL);
}

static void test_clone_flags(void **state)
{
	const uint64_t args[6] = { 0xffffffff00003d0fULL, 0x7f0000001000ULL };
	const uint64_t args32[6] = { 0xffffffff00000f00ULL };
	uint64_t flags = 0, addr = 0;

	(void)state;
	/* x86_64 clone (56) and clone3 (435), and x32's. */
	assert_int_equal(arch_clone_flags(AUDIT_ARCH_X86_64, 56, args, &flags, &addr), 0);
	assert_int_equal(flags, args[0]);
	assert_int_equal(
		arch_clone_flags(AUDIT_ARCH_X86_64, 56 | __X32_SYSCALL_BIT, args, &flags, &addr),
		0);
	assert_int_equal(arch_clone_flags(AUDIT_ARCH_X86_64, 435, args, &flags, &addr), 1);
	assert_int_equal(addr, args[0]);
	/* i386 clone (120) and clone3 (435): 32-bit words. */
	assert_int_equal(arch_clone_flags(AUDIT_ARCH_I386, 120, args32, &flags, &addr), 0);
	assert_int_equal(flags, 0xf00);
	assert_int_equal(arch_clone_flags(AUDIT_ARCH_I386, 435, args32, &flags, &addr), 1);
	assert_int_equal(addr, 0xf00);
	/* fork (57), i386's 56 (mpx), and another architecture. */
	assert_int_equal(arch_clone_flags(AUDIT_ARCH_X86_64, 57, args, &flags, &addr), -ENOENT);
	assert_int_equal(arch_clone_flags(AUDIT_ARCH_I386, 56, args, &flags, &addr), -ENOENT);
	assert_int_equal(arch_clone_flags(AUDIT_ARCH_AARCH64, 220, args, &flags, &addr), -ENOENT);
}

/*
 * A real stopped child read as the engine reads it: PTRACE_GETREGSET
 * fills the 64-bit layout, which says what PTRACE_GETREGS says.
 */
static void test_getregset(void **state)
{
	struct user_regs_struct old;
	struct arch_regs regs;
	struct iovec iov = { .iov_base = &regs.raw, .iov_len = sizeof(regs.raw) };
	pid_t pid;

	(void)state;
	pid = unittest_stopped_child();
	assert_true(pid > 0);
	assert_int_equal(ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov), 0);
	regs.len = iov.iov_len;
	assert_int_equal(regs.len, sizeof(regs.raw.r64));
	assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &old), 0);
	assert_int_equal(arch_regs_sp(&regs), old.rsp);
	assert_int_equal(arch_regs_pc(&regs), old.rip);
	assert_memory_equal(&regs.raw.r64, &old, sizeof(old));
	assert_int_equal(unittest_end_child(pid), 0);
}

/* Call instructions as gcc and clang emit them, and bytes that only look like one. */
static void test_call_before(void **state)
{
	static const struct {
		unsigned char code[8];
		size_t len;
		enum arch_call want;
	} cases[] = {
		/* call rel32 (to ret - 0x100) */
		{ { 0xe8, 0x00, 0xff, 0xff, 0xff }, 5, ARCH_CALL_DIRECT },
		/* call *%rax; call *%r11 (REX.B) */
		{ { 0x90, 0xff, 0xd0 }, 3, ARCH_CALL_INDIRECT },
		{ { 0x41, 0xff, 0xd3 }, 3, ARCH_CALL_INDIRECT },
		/* call *0x18(%rax): disp8 */
		{ { 0xff, 0x50, 0x18 }, 3, ARCH_CALL_INDIRECT },
		/* call *0x12345678(%rip) */
		{ { 0xff, 0x15, 0x78, 0x56, 0x34, 0x12 }, 6, ARCH_CALL_INDIRECT },
		/* call *0x8(%rsp): ModRM, SIB, disp8 */
		{ { 0xff, 0x54, 0x24, 0x08 }, 4, ARCH_CALL_INDIRECT },
		/* call *0x100(%rbx,%rcx,8): ModRM, SIB, disp32 */
		{ { 0xff, 0x94, 0xcb, 0x00, 0x01, 0x00, 0x00 }, 7, ARCH_CALL_INDIRECT },
		/* jmp *%rax (FF /4), push (FF /6), a ret, nops: no call */
		{ { 0x90, 0xff, 0xe0 }, 3, ARCH_CALL_NONE },
		{ { 0x90, 0xff, 0x30 }, 3, ARCH_CALL_NONE },
		{ { 0x90, 0x90, 0xc3 }, 3, ARCH_CALL_NONE },
		{ { 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90 }, 7, ARCH_CALL_NONE },
		/* FF /2 whose length does not end at ret: call *0x18(%rax) then a nop */
		{ { 0xff, 0x50, 0x18, 0x90 }, 4, ARCH_CALL_NONE },
	};
	uint64_t target = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		enum arch_call got =
			arch_call_before(cases[i].code, cases[i].len, 0x401000, &target);

		if (got != cases[i].want)
			fail_msg("case %zu: %d, want %d", i, (int)got, (int)cases[i].want);
	}
	(void)arch_call_before(cases[0].code, cases[0].len, 0x401000, &target);
	assert_int_equal(target, 0x401000 - 0x100);
	assert_true(arch_host.call_len_max >= 7);
}

/* Prologues: musl's mmap, gcc's with a frame pointer, and code with none. */
static void test_prologue_depth(void **state)
{
	/* push %r12; push %rbx; sub $0x28,%rsp; test ... */
	static const unsigned char musl_mmap[] = { 0x41, 0x54, 0x53, 0x48, 0x83,
						   0xec, 0x28, 0x41, 0xf7, 0xc1 };
	/* endbr64; push %rbp; mov %rsp,%rbp; sub $0x1000,%rsp; mov ... */
	static const unsigned char framed[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89,
						0xe5, 0x48, 0x81, 0xec, 0x00, 0x10, 0x00,
						0x00, 0x48, 0x89, 0x7d, 0xf8 };
	/* mov $9,%eax; syscall */
	static const unsigned char bare[] = { 0xb8, 0x09, 0x00, 0x00, 0x00, 0x0f, 0x05 };

	(void)state;
	assert_int_equal(arch_prologue_depth(musl_mmap, sizeof(musl_mmap)), 0x38);
	assert_int_equal(arch_prologue_depth(framed, sizeof(framed)), 8 + 0x1000);
	assert_int_equal(arch_prologue_depth(bare, sizeof(bare)), 0);
	/* add $-128,%rsp reserves 128; a sub of a negative imm8 gives back: no prologue. */
	{
		static const unsigned char add_neg[] = { 0x55, 0x48, 0x83, 0xc4, 0x80, 0x90 };
		static const unsigned char sub_neg[] = { 0x55, 0x48, 0x83, 0xec, 0xf0, 0x90 };

		assert_int_equal(arch_prologue_depth(add_neg, sizeof(add_neg)), 8 + 128);
		assert_int_equal(arch_prologue_depth(sub_neg, sizeof(sub_neg)), 8);
	}
	/* Only what precedes the stop counts: stopped after the first push. */
	assert_int_equal(arch_prologue_depth(musl_mmap, 2), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),	       cmocka_unit_test(test_syscall_64),
		cmocka_unit_test(test_syscall_32),     cmocka_unit_test(test_result),
		cmocka_unit_test(test_unwind_map),     cmocka_unit_test(test_clone_flags),
		cmocka_unit_test(test_getregset),      cmocka_unit_test(test_call_before),
		cmocka_unit_test(test_prologue_depth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
