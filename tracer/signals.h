/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memtrace's own signals, as strace handles its own: what a user sends to
 * memtrace, forwarded to the program it launched or turned into a detach,
 * and the timers of the engine and of --interval.  The handlers only set
 * the flags below (and forward with kill(2)); the engine's loop and the
 * session read them.  They are installed without SA_RESTART, so that the
 * loop's waitpid returns EINTR and sees a flag at once.
 *
 *   SIGINT     launch: a terminal's Ctrl-C reaches the program itself
 *              (same process group), so the first one is not forwarded;
 *              one sent to memtrace alone (kill(2): SI_USER) is; the
 *              second kills the program.  attach: detach.
 *   SIGTERM,   launch: forwarded when sent to memtrace alone.
 *   SIGHUP     attach: detach.
 *   SIGUSR1    a report of every live process now (wake, report_due).
 *   SIGALRM    the engine's timer (tick): queued calls, --duration.
 *   SIGRTMIN   the --interval timer (wake, interval_due).
 */
#ifndef MEMTRACE_SIGNALS_H
#define MEMTRACE_SIGNALS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Set by the handlers; cleared by whoever acts on them. */
struct signal_flags {
	volatile sig_atomic_t kill_request;   /* second Ctrl-C: kill the program */
	volatile sig_atomic_t detach_request; /* attach mode: detach now */
	volatile sig_atomic_t tick;	      /* SIGALRM */
	volatile sig_atomic_t wake;	      /* the session has something to do */
	volatile sig_atomic_t report_due;     /* SIGUSR1 */
	volatile sig_atomic_t interval_due;   /* --interval */
};

extern struct signal_flags signal_flags;

/* Installs the handlers; attach: a signal means "detach", never forwarded. */
void signals_install(bool attach);

/* The process SIGINT, SIGTERM and SIGHUP are forwarded to; 0: none (it ended). */
void signals_forward_to(pid_t pid);

/* --interval: interval_due (and wake) every interval_ns, on the monotonic clock. */
void signals_start_interval(uint64_t interval_ns);

#endif /* MEMTRACE_SIGNALS_H */
