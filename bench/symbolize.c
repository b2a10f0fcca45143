/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What symbolizing a distinct frame costs, without ptrace: COUNT byte
 * offsets spread evenly over the executable segment of FILE, each looked
 * up once through a fresh module table, as stackfmt does for a frame it
 * prints or reports for the first time: first with the symbol table alone
 * (modules_lookup()), then with the debug info's lines and inlined
 * functions too (modules_source()).  Each way's time includes reading the
 * file at its first lookup.
 *
 *   symbolize FILE [COUNT]     default COUNT: 10000
 *
 * Prints "symbolize: FILE, N frames: X us/frame names, Y us/frame names
 * and lines (Z with a line, W inlined functions)" and exits 0.
 */
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "modules.h"
#include "strtab.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* The file offsets of FILE's executable PT_LOAD into [*start, *end). */
static int code_range(const char *path, uint64_t *start, uint64_t *end)
{
	int fd = open(path, O_RDONLY);
	size_t nphdr = 0;
	Elf *elf;

	if (fd < 0)
		return -1;
	(void)elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	*start = *end = 0;
	if (elf && elf_getphdrnum(elf, &nphdr) == 0)
		for (size_t i = 0; i < nphdr; i++) {
			GElf_Phdr phdr;

			if (gelf_getphdr(elf, (int)i, &phdr) && phdr.p_type == PT_LOAD &&
			    (phdr.p_flags & PF_X)) {
				*start = phdr.p_offset;
				*end = phdr.p_offset + phdr.p_filesz;
			}
		}
	if (elf)
		(void)elf_end(elf);
	(void)close(fd);
	return *end > *start ? 0 : -1;
}

/*
 * Looks up count offsets of [start, end) through a fresh table; with
 * lines, their source too.  Returns the time taken in us; counts the
 * frames given a line and the inlined functions found.
 */
static double run(const char *path, uint64_t start, uint64_t end, size_t count, int lines,
		  size_t *with_line, size_t *inlined)
{
	struct strtab *paths = strtab_new();
	struct modules *mods = modules_new(paths);
	struct srclines_frame src[SRCLINES_MAX_FRAMES];
	struct symbols_identity id;
	struct stat st;
	uint32_t mod;
	double t0, t1;

	if (stat(path, &st) != 0) {
		perror(path);
		exit(1);
	}
	symbols_identity_of(&st, &id);
	mod = modules_intern(mods, strtab_intern(paths, path, strlen(path)), &id);
	t0 = now_us();
	for (size_t i = 0; i < count; i++) {
		uint64_t offset = start + (end - start) / count * i, into;
		size_t n;

		(void)modules_lookup(mods, mod, offset, &into);
		if (!lines)
			continue;
		n = modules_source(mods, mod, offset, src, SRCLINES_MAX_FRAMES);
		*with_line += n && src[n - 1].line;
		*inlined += n ? n - 1 : 0;
	}
	t1 = now_us();
	modules_free(mods);
	strtab_free(paths);
	return t1 - t0;
}

int main(int argc, char **argv)
{
	size_t count = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000, with_line = 0, inlined = 0;
	uint64_t start, end;
	double names, both;

	if (argc < 2 || !count) {
		fprintf(stderr, "usage: symbolize FILE [COUNT]\n");
		return 2;
	}
	if (code_range(argv[1], &start, &end) != 0) {
		fprintf(stderr, "symbolize: %s: no executable segment\n", argv[1]);
		return 1;
	}
	names = run(argv[1], start, end, count, 0, &with_line, &inlined);
	both = run(argv[1], start, end, count, 1, &with_line, &inlined);
	printf("symbolize: %s, %zu frames: %.2f us/frame names, %.2f us/frame names and lines "
	       "(%zu with a line, %zu inlined functions)\n",
	       argv[1], count, names / (double)count, both / (double)count, with_line, inlined);
	return 0;
}
