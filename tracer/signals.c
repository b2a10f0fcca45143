/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memtrace's own signals: see signals.h. */
#include "signals.h"

#include <string.h>
#include <time.h>

#include "engine.h"
#include "util.h"

/* The --interval timer's signal: not one a user would send. */
#define SIGINTERVAL SIGRTMIN
/* The two timers that send it, told apart by their value. */
#define TIMER_INTERVAL 0
#define TIMER_FLUSH 1

/* Set by the handler; signals_take() reads and clears them. */
static volatile sig_atomic_t kill_request;   /* second Ctrl-C: kill the program */
static volatile sig_atomic_t detach_request; /* attach mode: detach now */
static volatile sig_atomic_t report_due;     /* SIGUSR1 */
static volatile sig_atomic_t interval_due;   /* --interval */
static volatile sig_atomic_t flush_due;	     /* the outputs' timer */

/* Read by the handler: the launched program, and whether memtrace attached. */
static volatile sig_atomic_t forward_pid;
static volatile sig_atomic_t interrupts;
static bool attach_mode;
/* A signal to forward that came before the program was there to take it. */
static volatile sig_atomic_t pending_sig;

/* Only async-signal-safe calls here (signal-safety(7)), engine_request_tick() being one. */
static void on_signal(int sig, siginfo_t *info, void *uctx)
{
	pid_t pid = (pid_t)forward_pid;

	(void)uctx;
	if (sig == SIGUSR1 || sig == SIGINTERVAL) {
		if (sig == SIGUSR1)
			report_due = 1;
		else if (info->si_code == SI_TIMER && info->si_value.sival_int == TIMER_FLUSH)
			flush_due = 1;
		else
			interval_due = 1;
		engine_request_tick();
		return;
	}
	/* Attach mode: any of them means "detach now and report"; the program runs on. */
	if (attach_mode) {
		detach_request = 1;
		engine_request_tick();
		return;
	}
	if (sig == SIGINT && ++interrupts >= 2) {
		kill_request = 1;
		engine_request_tick();
		if (pid > 0)
			(void)kill(pid, SIGKILL);
		return;
	}
	if (info->si_code == SI_KERNEL)
		return;
	if (pid > 0)
		(void)kill(pid, sig);
	else if (pid == 0)
		pending_sig = sig; /* the launch is under way: signals_forward_to() sends it */
}

void signals_install(bool attach)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1 };
	struct sigaction act;

	attach_mode = attach;
	memset(&act, 0, sizeof(act));
	act.sa_sigaction = on_signal;
	/* No SA_RESTART: the engine's waitpid returns EINTR, and the loop ticks at once. */
	act.sa_flags = SA_SIGINFO;
	sigemptyset(&act.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (sigaction(sigs[i], &act, NULL) < 0)
			perror_die("sigaction");
	if (sigaction(SIGINTERVAL, &act, NULL) < 0)
		perror_die("sigaction");
}

void signals_forward_to(pid_t pid)
{
	int sig = pending_sig;

	/* The program ended: none to forward to, none to keep (-1). */
	forward_pid = pid ? pid : -1;
	pending_sig = 0;
	if (pid > 0 && sig)
		(void)kill(pid, sig);
}

/* A timer that sends SIGINTERVAL every ns nanoseconds, with value which. */
static void start_timer(uint64_t interval_ns, int which)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGINTERVAL,
				.sigev_value = { .sival_int = which } };
	struct itimerspec spec = {
		.it_interval = { .tv_sec = (time_t)(interval_ns / 1000000000ULL),
				 .tv_nsec = (long)(interval_ns % 1000000000ULL) },
	};
	timer_t timer;

	spec.it_value = spec.it_interval;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) < 0 ||
	    timer_settime(timer, 0, &spec, NULL) < 0)
		perror_die("timer_create");
}

void signals_start_interval(uint64_t interval_ns)
{
	start_timer(interval_ns, TIMER_INTERVAL);
}

void signals_start_flush(uint64_t interval_ns)
{
	start_timer(interval_ns, TIMER_FLUSH);
}

/* Reads a flag and clears it if it was set: a signal between the two is one more of the same. */
static bool take(volatile sig_atomic_t *flag)
{
	if (!*flag)
		return false;
	*flag = 0;
	return true;
}

void signals_take(struct signal_requests *req)
{
	req->kill = take(&kill_request);
	req->detach = take(&detach_request);
	req->report = take(&report_due);
	req->interval = take(&interval_due);
	req->flush = take(&flush_due);
}
