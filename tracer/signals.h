/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memtrace's own signals, as strace handles its own: what a user sends to
 * memtrace, forwarded to the program it launched or turned into a detach,
 * and the --interval timer.  The handlers only set flags (and forward with
 * kill(2)) and ask the engine for a tick (engine_request_tick()); the
 * session takes the flags (signals_take()) in the engine's on_tick.  They
 * are installed without SA_RESTART, so that the engine's waitpid returns
 * EINTR and the tick comes at once (engine.h, "The tick").  SIGALRM is
 * the engine's own.
 *
 *   SIGINT     launch: a terminal's Ctrl-C reaches the program itself
 *              (same process group), so the first one is not forwarded;
 *              one sent to memtrace alone (kill(2): SI_USER) is; the
 *              second kills the program.  attach: detach.
 *   SIGTERM,   launch: forwarded when sent to memtrace alone.
 *   SIGHUP     attach: detach.
 *   SIGUSR1    a report of every live process now.
 *   SIGRTMIN   the --interval timer: a growth line.
 */
#ifndef MEMTRACE_SIGNALS_H
#define MEMTRACE_SIGNALS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* What the handlers were asked for since the last signals_take(). */
struct signal_requests {
	bool kill;     /* second Ctrl-C: kill the program */
	bool detach;   /* attach mode: detach now */
	bool report;   /* SIGUSR1: a report of every live process */
	bool interval; /* --interval: a growth line */
	bool flush;    /* the outputs' lines written out (signals_start_flush()) */
};

/* Fills req, and clears what it reports. */
void signals_take(struct signal_requests *req);

/* Installs the handlers; attach: a signal means "detach", never forwarded. */
void signals_install(bool attach);

/*
 * The process SIGINT, SIGTERM and SIGHUP are forwarded to; 0: none (it
 * ended).  One that came between signals_install() and this call (the
 * launch under way) is sent now.
 */
void signals_forward_to(pid_t pid);

/* --interval: an interval request every interval_ns, on the monotonic clock. */
void signals_start_interval(uint64_t interval_ns);

/* Starts a timer that asks for the outputs to be written out every interval_ns. */
void signals_start_flush(uint64_t interval_ns);

#endif /* MEMTRACE_SIGNALS_H */
