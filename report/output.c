/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The outputs of a live run, and what they share: see output.h. */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tracer/util.h"

/*
 * In the order they are fed: the events of a call before anything a
 * report says of it; the text report before the trace's snapshot of the
 * same moment.  A new output is a file and a line here.
 */
const struct output_ops *const output_list[] = {
	&output_events, /* --events */
	&output_report, /* the report, --regions */
	&output_trace,	/* -o */
	&output_pprof,	/* --pprof */
	&output_folded, /* --folded */
	&output_html,	/* --html */
};

const size_t output_count = ARRAY_SIZE(output_list);

/* The report's width on a terminal that does not say its own. */
#define WIDTH_UNKNOWN 80
/* Narrower terminals get this: words and frames need a few columns to wrap in. */
#define WIDTH_MIN 40

size_t output_width(int fd)
{
	struct winsize size;

	if (!isatty(fd))
		return 0;
	if (ioctl(fd, TIOCGWINSZ, &size) != 0 || !size.ws_col)
		return WIDTH_UNKNOWN;
	return size.ws_col > WIDTH_MIN ? size.ws_col : WIDTH_MIN;
}

int output_open_fd(const char *path)
{
	int fd;

	if (!path)
		fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	else if (!strcmp(path, "-"))
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	else
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		perror_msg("cannot open '%s'", path ? path : "(standard error)");
	return fd;
}

/*
 * Whether path can be opened for writing; nothing is truncated, nothing is
 * left.  A FIFO is not opened here: that would wait for a reader, and its
 * close would end the reader's input before memtrace wrote a line.
 */
static int check_file(const char *path)
{
	struct stat st;
	int fd;

	if (stat(path, &st) == 0 && S_ISFIFO(st.st_mode)) {
		if (access(path, W_OK) == 0)
			return 0;
		perror_msg("cannot open '%s'", path);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0)
			(void)unlink(path);
	}
	if (fd < 0) {
		perror_msg("cannot open '%s'", path);
		return -1;
	}
	(void)close(fd);
	return 0;
}

int output_check_files(const struct output_options *opts)
{
	for (size_t i = 0; i < output_count; i++) {
		const char *path = output_list[i]->file ? output_list[i]->file(opts) : NULL;

		if (path && strcmp(path, "-") != 0 && check_file(path) < 0)
			return -1;
	}
	return 0;
}

size_t output_stdout_count(const struct output_options *opts)
{
	size_t count = 0;

	for (size_t i = 0; i < output_count; i++) {
		const char *path = output_list[i]->file ? output_list[i]->file(opts) : NULL;

		count += path && !strcmp(path, "-");
	}
	return count;
}

/* A stream's descriptor, the first error a write to it met, and whose output it is. */
struct cookie {
	int fd;
	int err;
	struct output *owner;
};

void output_failed(struct output *out, int err)
{
	char name[PATH_MAX + 32];

	if (out->failed)
		return;
	out->failed = err;
	output_name(name, sizeof(name), out->what, out->path);
	error_msg("cannot write %s: %s; it stops here", name, strerror(-err));
}

static ssize_t cookie_write(void *cookie, const char *buf, size_t len)
{
	struct cookie *c = cookie;
	int err;
	size_t done = write_retry(c->fd, buf, len, &err);

	if (!err)
		return (ssize_t)done;
	if (!c->err) {
		c->err = err;
		if (c->owner)
			output_failed(c->owner, -err);
	}
	errno = err;
	/* fopencookie(3): the bytes written, never a negative value. */
	return (ssize_t)done;
}

/* Closes the descriptor; fails with the first write error, so that fclose says which. */
static int cookie_close(void *cookie)
{
	struct cookie *c = cookie;
	int err = close(c->fd) < 0 ? errno : 0;

	if (c->err)
		err = c->err;
	free(c);
	if (!err)
		return 0;
	errno = err;
	return -1;
}

FILE *output_stream(int fd, struct output *owner)
{
	static const cookie_io_functions_t io = { .write = cookie_write, .close = cookie_close };
	struct cookie *c = xcalloc(1, sizeof(*c));
	FILE *file;

	c->fd = fd;
	c->owner = owner;
	file = fopencookie(c, "w", io);
	if (!file)
		perror_die("fopencookie");
	return file;
}

int output_close_stream(FILE *stream)
{
	bool failed;

	if (!stream)
		return 0;
	failed = ferror(stream);
	if (fclose(stream) != 0)
		return errno ? -errno : -EIO;
	return failed ? -EIO : 0;
}

void output_name(char *buf, size_t size, const char *what, const char *path)
{
	if (path && strcmp(path, "-") != 0)
		(void)snprintf(buf, size, "%s '%s'", what, path);
	else
		(void)snprintf(buf, size, "%s", what);
}

char *output_command(const struct output_options *opts)
{
	size_t argc = 0;

	while (opts->argv && opts->argv[argc])
		argc++;
	return profile_command((const char *const *)opts->argv, argc, opts->pids, opts->npids);
}
