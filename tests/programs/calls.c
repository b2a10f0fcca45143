/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Makes one of each memory call memtrace decodes, successful and failing,
 * at addresses inside a PROT_NONE carveout (tools/testing/selftests/mm/
 * merge.c), and prints the line memtrace must show for each to fd 3.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>

#include "testutil.h"

#define PAGE 4096UL

static void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static void layout_calls(char *carve)
{
	char *ptr, *moved;

	/*
	 *  carve                                                    +64 pages
	 *  |--- rw (4) ---|------------------ none -------------------|
	 */
	ptr = sys_mmap(carve, 4 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
	test_assert(ptr == carve);
	expect("mmap(%p, %lu, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = "
	       "%p",
	       (void *)carve, 4 * PAGE, (void *)ptr);
	ptr[0] = 1;

	test_assert(mprotect(carve, PAGE, PROT_READ) == 0);
	expect("mprotect(%p, %lu, PROT_READ) = 0", (void *)carve, PAGE);

	/* arm64 kernels before 6.12 have no protection keys: ENOSYS, then mprotect. */
	if (syscall(SYS_pkey_mprotect, carve + PAGE, PAGE, PROT_READ | PROT_EXEC, -1) == 0) {
		expect("pkey_mprotect(%p, %lu, PROT_READ|PROT_EXEC, -1) = 0",
		       (void *)(carve + PAGE), PAGE);
	} else {
		test_assert(errno == ENOSYS);
		expect("pkey_mprotect(%p, %lu, PROT_READ|PROT_EXEC, -1) = %s",
		       (void *)(carve + PAGE), PAGE, errno_result(ENOSYS));
		dprintf(2, "note: no pkey_mprotect here (ENOSYS): mprotect instead\n");
		test_assert(mprotect(carve + PAGE, PAGE, PROT_READ | PROT_EXEC) == 0);
		expect("mprotect(%p, %lu, PROT_READ|PROT_EXEC) = 0", (void *)(carve + PAGE), PAGE);
	}

	test_assert(madvise(carve + 2 * PAGE, 2 * PAGE, MADV_DONTNEED) == 0);
	expect("madvise(%p, %lu, MADV_DONTNEED) = 0", (void *)(carve + 2 * PAGE), 2 * PAGE);

	/* An advice the kernel does not know: EINVAL, printed in hex. */
	test_assert(madvise(carve, PAGE, 77) == -1 && errno == EINVAL);
	expect("madvise(%p, %lu, 0x4d /* MADV_??? */) = %s", (void *)carve, PAGE,
	       errno_result(EINVAL));

	/* Shrink in place, then move elsewhere in the carveout. */
	ptr = mremap(carve + 2 * PAGE, 2 * PAGE, PAGE, 0);
	test_assert(ptr == carve + 2 * PAGE);
	expect("mremap(%p, %lu, %lu, 0) = %p", (void *)(carve + 2 * PAGE), 2 * PAGE, PAGE,
	       (void *)ptr);
	moved = mremap(carve + 2 * PAGE, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		       carve + 32 * PAGE);
	test_assert(moved == carve + 32 * PAGE);
	expect("mremap(%p, %lu, %lu, MREMAP_MAYMOVE|MREMAP_FIXED, %p) = %p",
	       (void *)(carve + 2 * PAGE), PAGE, PAGE, (void *)(carve + 32 * PAGE), (void *)moved);
}

static void file_mapping(char *carve)
{
	char path[] = "/tmp/memtrace-calls-XXXXXX";
	char *ptr;
	int fd;

	fd = mkstemp(path);
	test_assert(fd >= 0);
	test_assert(ftruncate(fd, 2 * PAGE) == 0);
	ptr = sys_mmap(carve + 40 * PAGE, 2 * PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, PAGE);
	test_assert(ptr == carve + 40 * PAGE);
	expect("mmap(%p, %lu, PROT_READ, MAP_SHARED|MAP_FIXED, %d<%s>, %#lx) = %p",
	       (void *)(carve + 40 * PAGE), 2 * PAGE, fd, path, PAGE, (void *)ptr);
	test_assert(unlink(path) == 0);
	test_assert(close(fd) == 0);
}

static void failures(char *carve)
{
	/* Failures: a zero length, a misaligned unmap, a bad fd. */
	test_assert(sys_mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
	expect("mmap(NULL, 0, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %s",
	       errno_result(EINVAL));
	test_assert(munmap(carve + 1, PAGE) == -1 && errno == EINVAL);
	expect("munmap(%p, %lu) = %s", (void *)(carve + 1), PAGE, errno_result(EINVAL));
	test_assert(sys_mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 1000, 0) == MAP_FAILED);
	expect("mmap(NULL, %lu, PROT_READ, MAP_PRIVATE, 1000, 0) = %s", PAGE, errno_result(EBADF));
}

/*
 * An mmap numbered as x32's (__X32_SYSCALL_BIT): ENOSYS on a kernel
 * without x32, a mapping on one with it; memtrace marks it either way
 * (tests/e2e/calls.sh reads the mark).
 */
#if defined(__x86_64__)
static void x32_call(void)
{
	long ret = syscall(0x40000000L | SYS_mmap, NULL, PAGE, PROT_READ,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (ret == -1) {
		test_assert(errno == ENOSYS);
		expect("mmap(NULL, %lu, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %s", PAGE,
		       errno_result(ENOSYS));
		return;
	}
	expect("mmap(NULL, %lu, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %#lx", PAGE,
	       (unsigned long)ret);
	test_assert(munmap((void *)ret, PAGE) == 0);
	expect("munmap(%#lx, %lu) = 0", (unsigned long)ret, PAGE);
}
#endif

/*
 * arm64's own protections: PROT_BTI (guarded pages of code) and PROT_MTE
 * (memory tagging), each accepted where the CPU has the feature and
 * EINVAL where it lacks it; memtrace names the flag either way, and the
 * model must still agree with /proc/PID/maps, which shows neither.
 */
#if defined(__aarch64__)
static void arm64_prot(void)
{
	char *ptr, res[32];
	int ret;

	ptr = sys_mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	test_assert(ptr != MAP_FAILED);
	expect("mmap(NULL, %lu, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %p", PAGE,
	       (void *)ptr);
	ret = mprotect(ptr, PAGE, PROT_READ | PROT_EXEC | PROT_BTI);
	test_assert(ret == 0 || errno == EINVAL);
	expect("mprotect(%p, %lu, PROT_READ|PROT_EXEC|PROT_BTI) = %s", (void *)ptr, PAGE,
	       ret == 0 ? "0" : errno_result(EINVAL));
	if (ret != 0)
		dprintf(2, "note: no BTI on this CPU: PROT_BTI refused (EINVAL)\n");
	test_assert(munmap(ptr, PAGE) == 0);
	expect("munmap(%p, %lu) = 0", (void *)ptr, PAGE);

	ptr = sys_mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_MTE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	test_assert(ptr != MAP_FAILED || errno == EINVAL);
	(void)snprintf(res, sizeof(res), "%p", (void *)ptr);
	expect("mmap(NULL, %lu, PROT_READ|PROT_WRITE|PROT_MTE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
	       "%s",
	       PAGE, ptr == MAP_FAILED ? errno_result(EINVAL) : res);
	if (ptr == MAP_FAILED) {
		dprintf(2, "note: no MTE on this CPU: PROT_MTE refused (EINVAL)\n");
		return;
	}
	ptr[0] = 1;
	test_assert(munmap(ptr, PAGE) == 0);
	expect("munmap(%p, %lu) = 0", (void *)ptr, PAGE);
}
#endif

static void brk_calls(void)
{
	long brk0, brk1;

	/* The brk heap, through the raw call (glibc caches the break). */
	/* brk(NULL) is not unique: ld.so asked the same at start-up. */
	brk0 = syscall(SYS_brk, 0);
	test_assert(brk0 > 0);
	brk1 = syscall(SYS_brk, brk0 + (long)(16 * PAGE));
	test_assert(brk1 == brk0 + (long)(16 * PAGE));
	expect("brk(%#lx) = %#lx", brk0 + (long)(16 * PAGE), brk1);
	/*
	 * Shrunk, not to brk0: ld.so may have set the break to brk0 itself
	 * (aarch64's, aligning it), and each line must be the program's alone.
	 */
	test_assert(syscall(SYS_brk, brk0 + (long)(8 * PAGE)) == brk0 + (long)(8 * PAGE));
	expect("brk(%#lx) = %#lx", brk0 + (long)(8 * PAGE), brk0 + (long)(8 * PAGE));
}

static void sysv_shm(void)
{
	int shmid;
	void *shm;

	/*
	 * SysV shared memory, where the kernel has it (CONFIG_SYSVIPC) and
	 * other processes have left a segment (kernel.shmmni, shmall).
	 */
	shmid = shmget(IPC_PRIVATE, 2 * PAGE, IPC_CREAT | 0600);
	if (shmid < 0 && (errno == ENOSYS || errno == ENOSPC || errno == ENOMEM)) {
		dprintf(2,
			"note: no SysV shared memory segment (%s): shmat and shmdt are not tried\n",
			strerrorname_np(errno));
	} else {
		test_assert(shmid >= 0);
		shm = shmat(shmid, NULL, SHM_RDONLY);
		test_assert(shm != (void *)-1);
		expect("shmat(%d, NULL, SHM_RDONLY) = %p", shmid, shm);
		test_assert(shmdt(shm) == 0);
		expect("shmdt(%p) = 0", shm);
		test_assert(shmctl(shmid, IPC_RMID, NULL) == 0);
	}
}

static void partial_mprotect(char *carve)
{
	char *ptr;

	/*
	 * An mprotect that fails part-way: the kernel changes the first page
	 * (mm/mprotect.c walks VMA by VMA) and then finds the hole.
	 *
	 *   carve+50 |- rw -|  hole  |
	 *            |=== mprotect READ ===|  -> ENOMEM, first page now r--
	 */
	ptr = sys_mmap(carve + 50 * PAGE, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
	test_assert(ptr == carve + 50 * PAGE);
	expect("mmap(%p, %lu, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = "
	       "%p",
	       (void *)ptr, PAGE, (void *)ptr);
	test_assert(munmap(carve + 51 * PAGE, PAGE) == 0);
	expect("munmap(%p, %lu) = 0", (void *)(carve + 51 * PAGE), PAGE);
	test_assert(mprotect(carve + 50 * PAGE, 2 * PAGE, PROT_READ) == -1 && errno == ENOMEM);
	expect("mprotect(%p, %lu, PROT_READ) = %s", (void *)(carve + 50 * PAGE), 2 * PAGE,
	       errno_result(ENOMEM));
}

static void fixed_calls(char *carve)
{
	char *ptr, *moved;

	/* MAP_FIXED_NOREPLACE: refused over a mapping, allowed in a hole. */
	test_assert(sys_mmap(carve + 50 * PAGE, PAGE, PROT_READ,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
			     0) == MAP_FAILED);
	expect("mmap(%p, %lu, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = "
	       "%s",
	       (void *)(carve + 50 * PAGE), PAGE, errno_result(EEXIST));
	ptr = sys_mmap(carve + 51 * PAGE, PAGE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	test_assert(ptr == carve + 51 * PAGE);
	expect("mmap(%p, %lu, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = "
	       "%p",
	       (void *)ptr, PAGE, (void *)ptr);

	/* MREMAP_DONTUNMAP: the pages move, the old range stays mapped. */
	ptr = sys_mmap(carve + 54 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
	test_assert(ptr == carve + 54 * PAGE);
	expect("mmap(%p, %lu, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = "
	       "%p",
	       (void *)ptr, 2 * PAGE, (void *)ptr);
	moved = mremap(ptr, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP,
		       carve + 58 * PAGE);
	test_assert(moved == carve + 58 * PAGE);
	expect("mremap(%p, %lu, %lu, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, %p) = %p",
	       (void *)ptr, 2 * PAGE, 2 * PAGE, (void *)(carve + 58 * PAGE), (void *)moved);
}

static void aio_ring(void)
{
	unsigned long ctx = 0;

	/*
	 * io_setup maps the [aio] ring, whose size the kernel decides; where
	 * the kernel has AIO and other processes have left some of fs.aio-max-nr.
	 */
	if (syscall(SYS_io_setup, 16, &ctx) == 0) {
		expect("io_setup(16, %p) = 0", (void *)&ctx);
		test_assert(syscall(SYS_io_destroy, ctx) == 0);
		expect("io_destroy(%#lx) = 0", ctx);
	} else {
		dprintf(2, "note: io_setup failed (%s): the [aio] ring is not tried\n",
			strerrorname_np(errno));
	}
}

int main(void)
{
	char *carve;

	/* Carve out 64 pages to map over, so every address below is known. */
	carve = sys_mmap(NULL, 64 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	test_assert(carve != MAP_FAILED);
	expect("mmap(NULL, %lu, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %p", 64 * PAGE,
	       (void *)carve);

	layout_calls(carve);
	file_mapping(carve);
	failures(carve);
#if defined(__x86_64__)
	x32_call();
#elif defined(__aarch64__)
	arm64_prot();
#endif
	brk_calls();
	sysv_shm();
	partial_mprotect(carve);
	fixed_calls(carve);
	aio_ring();

	/* Unmap across several regions at once. */
	test_assert(munmap(carve, 64 * PAGE) == 0);
	expect("munmap(%p, %lu) = 0", (void *)carve, 64 * PAGE);
	return 0;
}
