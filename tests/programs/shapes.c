/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The shapes of an address space a program can make, for the model to
 * follow under --verify (tests/e2e/shapes.sh); the kernel's own memory
 * selftests (tools/testing/selftests/mm: mremap_test, mremap_dontunmap,
 * map_fixed_noreplace, mlock2, mseal, the merge tests) are the checklist.
 * Each case lays out a carve of its own, so that no case sees another's
 * leftovers.  The calls the e2e test checks one by one write their line
 * to fd 3 (testutil.h).
 *
 * shapes [--wait] [CASE...]: runs the cases named (all without one).
 * With --wait it prints "ready PID" and waits for SIGUSR1 first (to be
 * attached to).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testutil.h"

#define PAGE 4096UL

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef SYS_mseal
#define SYS_mseal 462
#endif
#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

static char *map_anon(void *addr, size_t len, int prot, int flags)
{
	char *p = mmap(addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	test_assert(p != MAP_FAILED);
	return p;
}

/* A free stretch of len bytes, reserved and given back: the case maps into it with MAP_FIXED. */
static char *hole(size_t len)
{
	char *p = map_anon(NULL, len, PROT_NONE, 0);

	test_assert(munmap(p, len) == 0);
	return p;
}

/*
 * Two IPC_PRIVATE segments attached side by side, both named
 * /SYSV00000000: shmdt of the first detaches it alone.
 */
static void shm_neighbours(void)
{
	int a = shmget(IPC_PRIVATE, 10 * PAGE, IPC_CREAT | 0600);
	int b = shmget(IPC_PRIVATE, 10 * PAGE, IPC_CREAT | 0600);
	char *base, *pb, *pa;

	if (a < 0 || b < 0) {
		dprintf(2, "note: no SysV shared memory here: shm_neighbours is not tried\n");
		return;
	}
	base = hole(20 * PAGE);
	pb = shmat(b, base, 0);
	test_assert(pb == base);
	expect("shmat(%d, %p, 0) = %p", b, (void *)base, (void *)pb);
	pa = shmat(a, base + 10 * PAGE, 0);
	test_assert(pa == base + 10 * PAGE);
	expect("shmat(%d, %p, 0) = %p", a, (void *)(base + 10 * PAGE), (void *)pa);
	test_assert(shmdt(pb) == 0);
	expect("shmdt(%p) = 0", (void *)pb);
	pa[0] = 1;
	test_assert(shmdt(pa) == 0);
	expect("shmdt(%p) = 0", (void *)pa);
	test_assert(shmctl(a, IPC_RMID, NULL) == 0 && shmctl(b, IPC_RMID, NULL) == 0);
}

/*
 * A segment whose first page was unmapped and whose middle was
 * re-protected: shmdt at its old address detaches what is left of it,
 * all three pieces; a second attachment of the same segment stays.
 */
static void shm_pieces(void)
{
	int id = shmget(IPC_PRIVATE, 8 * PAGE, IPC_CREAT | 0600);
	char *p, *q;

	if (id < 0) {
		dprintf(2, "note: no SysV shared memory here: shm_pieces is not tried\n");
		return;
	}
	p = shmat(id, NULL, 0);
	test_assert(p != (void *)-1);
	expect("shmat(%d, NULL, 0) = %p", id, (void *)p);
	q = shmat(id, NULL, SHM_RDONLY);
	test_assert(q != (void *)-1);
	test_assert(munmap(p, PAGE) == 0);
	test_assert(mprotect(p + 3 * PAGE, PAGE, PROT_READ) == 0);
	test_assert(shmdt(p) == 0);
	expect("shmdt(%p) = 0", (void *)p);
	test_assert(q[0] == 0);
	test_assert(shmdt(q) == 0);
	test_assert(shmctl(id, IPC_RMID, NULL) == 0);
}

/*
 * A MAP_GROWSDOWN mapping grows by page faults below it, with no call
 * (mm/mmap.c, expand_downwards); a fixed address far from everything
 * else leaves it the stack guard gap it needs.
 */
static void growsdown(void)
{
	char *want = (char *)0x200000000UL;
	char *g = mmap(want, 4 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
	volatile char *touch = g;

	if (g == MAP_FAILED) {
		dprintf(2, "note: %p is taken: growsdown is not tried\n", (void *)want);
		return;
	}
	for (int i = 1; i <= 8; i++)
		touch[-(long)(i * PAGE)] = 1;
	/*
	 * The grown low end re-protected before the model is checked (the
	 * grown bytes are two VMAs then), and the mapping's first page.
	 */
	test_assert(mprotect(g - 8 * PAGE, PAGE, PROT_READ) == 0);
	test_assert(mprotect(g, PAGE, PROT_READ) == 0);
	/* PROT_GROWSDOWN: the change reaches down to the mapping's start, which only the kernel knows. */
	test_assert(mprotect(g + PAGE, PAGE, PROT_READ | PROT_WRITE | PROT_GROWSDOWN) == 0);
	test_assert(munmap(g - 8 * PAGE, 12 * PAGE) == 0);
}

/* mremap_test's and mremap_dontunmap's shapes. */
static void mremaps(void)
{
	char *base = hole(64 * PAGE), *p, *q;

	/* Grown in place into the free space after it, then shrunk. */
	p = map_anon(base, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_FIXED);
	test_assert(mremap(p, 4 * PAGE, 8 * PAGE, 0) == p);
	test_assert(mremap(p, 8 * PAGE, 2 * PAGE, 0) == p);
	/* The middle of a mapping moved elsewhere: three pieces, a hole. */
	p = map_anon(base, 12 * PAGE, PROT_READ | PROT_WRITE, MAP_FIXED);
	p[5 * PAGE] = 5;
	q = mremap(p + 4 * PAGE, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		   base + 40 * PAGE);
	test_assert(q == base + 40 * PAGE && q[PAGE] == 5);
	/* Moved next to a neighbour of the same kind, where the kernel merges them. */
	q = mremap(q, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, p + 12 * PAGE);
	test_assert(q == p + 12 * PAGE);
	/* MREMAP_DONTUNMAP: the old range stays mapped, empty. */
	q = mremap(p, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP,
		   base + 50 * PAGE);
	if (q == MAP_FAILED)
		test_assert(errno == EINVAL); /* before Linux 5.7 */
	/* Grown where it cannot stay: moved by the kernel. */
	p = map_anon(base + 30 * PAGE, PAGE, PROT_READ, MAP_FIXED);
	(void)map_anon(base + 31 * PAGE, PAGE, PROT_NONE, MAP_FIXED);
	q = mremap(p, PAGE, 16 * PAGE, MREMAP_MAYMOVE);
	test_assert(q != MAP_FAILED && q != p);
	test_assert(munmap(q, 16 * PAGE) == 0);
	/* A shared anonymous mapping grown in place (shmem). */
	p = mmap(base + 56 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	test_assert(p == base + 56 * PAGE);
	test_assert(mremap(p, 2 * PAGE, 6 * PAGE, 0) == p);
	test_assert(munmap(base, 64 * PAGE) == 0);
}

/* map_fixed_noreplace's shapes: refused over any overlap, granted next to it. */
static void fixed_noreplace(void)
{
	char *base = hole(16 * PAGE), *p;

	p = map_anon(base + 4 * PAGE, 4 * PAGE, PROT_READ, MAP_FIXED_NOREPLACE);
	test_assert(p == base + 4 * PAGE);
	test_assert(mmap(base + 2 * PAGE, 4 * PAGE, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED &&
		    errno == EEXIST);
	test_assert(mmap(base + 7 * PAGE, 4 * PAGE, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED &&
		    errno == EEXIST);
	(void)map_anon(base + 8 * PAGE, 4 * PAGE, PROT_READ, MAP_FIXED_NOREPLACE);
	test_assert(munmap(base, 16 * PAGE) == 0);
}

/*
 * mlock2 and madvise flags split the kernel's VMAs with no change
 * /proc/PID/maps shows but the split; mprotect splits and merges back.
 */
static void splits_and_merges(void)
{
	char *p = map_anon(NULL, 17 * PAGE, PROT_READ | PROT_WRITE, 0);

	test_assert(munmap(p + 16 * PAGE, PAGE) == 0);
	if (syscall(SYS_mlock2, p + 2 * PAGE, 2 * PAGE, MLOCK_ONFAULT) == 0)
		test_assert(munlock(p + 2 * PAGE, PAGE) == 0);
	test_assert(madvise(p + 6 * PAGE, 2 * PAGE, MADV_DONTFORK) == 0);
	test_assert(madvise(p + 9 * PAGE, PAGE, MADV_DONTDUMP) == 0);
	/* Flags some kernels lack: EINVAL leaves the layout as it was. */
	(void)madvise(p + 10 * PAGE, PAGE, MADV_WIPEONFORK);
	(void)madvise(p + 11 * PAGE, PAGE, MADV_MERGEABLE);
	(void)madvise(p + 4 * PAGE, PAGE, MADV_HUGEPAGE);
	(void)madvise(p + 5 * PAGE, PAGE, MADV_NOHUGEPAGE);
	/* Guard pages (Linux 6.13): markers in the page tables, no VMA of their own. */
	(void)madvise(p + 15 * PAGE, PAGE, MADV_GUARD_INSTALL);
	test_assert(mprotect(p + 12 * PAGE, 2 * PAGE, PROT_READ) == 0);
	test_assert(mprotect(p + 12 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE) == 0);
	test_assert(madvise(p, 16 * PAGE, MADV_DOFORK) == 0);
	/* Two anonymous neighbours made one by the kernel. */
	test_assert(map_anon(p + 16 * PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_FIXED) ==
		    p + 16 * PAGE);
	test_assert(munmap(p, 17 * PAGE) == 0);
}

/* MAP_DROPPABLE (Linux 6.11): private memory the kernel may drop under pressure. */
static void droppable(void)
{
	char *p =
		mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_DROPPABLE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		dprintf(2, "note: no MAP_DROPPABLE here (%s): droppable is not tried\n",
			strerror(errno));
		return;
	}
	p[0] = 1;
	test_assert(mprotect(p + PAGE, PAGE, PROT_READ) == 0);
	test_assert(munmap(p, 4 * PAGE) == 0);
}

/* mseal (Linux 6.10): a sealed mapping cannot be unmapped, re-protected or moved. */
static void sealed(void)
{
	char *p = map_anon(NULL, 4 * PAGE, PROT_READ, 0);

	if (syscall(SYS_mseal, p + PAGE, 2 * PAGE, 0) != 0) {
		dprintf(2, "note: no mseal here (%s): sealed is not tried\n", strerror(errno));
		test_assert(munmap(p, 4 * PAGE) == 0);
		return;
	}
	test_assert(munmap(p, 4 * PAGE) == -1 && errno == EPERM);
	test_assert(mprotect(p + PAGE, PAGE, PROT_NONE) == -1 && errno == EPERM);
	test_assert(mremap(p + PAGE, PAGE, 2 * PAGE, MREMAP_MAYMOVE) == MAP_FAILED);
	test_assert(munmap(p, PAGE) == 0);
	test_assert(munmap(p + 3 * PAGE, PAGE) == 0);
}

/* A file mapped past its end, then the file grown under it (memfd). */
static void file_shapes(void)
{
	int fd = memfd_create("shapes", 0);
	char *p;

	test_assert(fd >= 0 && ftruncate(fd, (off_t)PAGE) == 0);
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	test_assert(p != MAP_FAILED);
	test_assert(ftruncate(fd, (off_t)(4 * PAGE)) == 0);
	p[3 * PAGE] = 1;
	test_assert(mprotect(p + PAGE, PAGE, PROT_READ) == 0);
	test_assert(munmap(p + 2 * PAGE, PAGE) == 0);
	p = mremap(p, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
	test_assert(p != MAP_FAILED);
	/* remap_file_pages (deprecated, emulated with a new mapping): file page 3 at p's second page. */
	test_assert(remap_file_pages(p + PAGE, PAGE, 0, 3, 0) == 0);
	test_assert(munmap(p, 2 * PAGE) == 0);
	test_assert(close(fd) == 0);
}

/* memfd_secret (Linux 5.14): memory out of the kernel's own direct map, mapped shared. */
static void secret(void)
{
	int fd = (int)syscall(SYS_memfd_secret, 0);
	char *p;

	if (fd < 0) {
		dprintf(2, "note: no memfd_secret here (%s): secret is not tried\n",
			strerror(errno));
		return;
	}
	test_assert(ftruncate(fd, (off_t)(2 * PAGE)) == 0);
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	test_assert(p != MAP_FAILED);
	p[0] = 1;
	test_assert(mprotect(p, PAGE, PROT_READ) == 0);
	test_assert(munmap(p, 2 * PAGE) == 0);
	test_assert(close(fd) == 0);
}

static const struct shape {
	const char *name;
	void (*run)(void);
} shapes[] = {
	{ "shm_neighbours", shm_neighbours },
	{ "shm_pieces", shm_pieces },
	{ "growsdown", growsdown },
	{ "mremaps", mremaps },
	{ "fixed_noreplace", fixed_noreplace },
	{ "splits_and_merges", splits_and_merges },
	{ "sealed", sealed },
	{ "droppable", droppable },
	{ "file_shapes", file_shapes },
	{ "secret", secret },
};

#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

static void run_shape(const char *name)
{
	for (size_t i = 0; i < NSHAPES; i++) {
		if (strcmp(shapes[i].name, name) == 0) {
			shapes[i].run();
			return;
		}
	}
	dprintf(2, "shapes: no case '%s'\n", name);
	exit(2);
}

static void go(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	int first = 1;

	if (argc > 1 && strcmp(argv[1], "--wait") == 0) {
		sigset_t usr1, old;

		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		test_assert(signal(SIGUSR1, go) != SIG_ERR);
		test_assert(sigprocmask(SIG_BLOCK, &usr1, &old) == 0);
		printf("ready %d\n", (int)getpid());
		fflush(stdout);
		sigsuspend(&old);
		test_assert(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
		first = 2;
	}
	if (first == argc)
		for (size_t i = 0; i < NSHAPES; i++)
			shapes[i].run();
	for (int i = first; i < argc; i++)
		run_shape(argv[i]);
	printf("ok\n");
	return 0;
}
