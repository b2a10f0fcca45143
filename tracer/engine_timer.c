/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine's timer and its tick (engine.h, "The tick").  waitpid()
 * cannot wait for a file descriptor as well, so the loop learns of time
 * and of signals the classic way: a SIGALRM handler, installed without
 * SA_RESTART, sets a flag, which the loop reads before each wait; a
 * signal that comes while the loop blocks in waitpid() makes it return
 * EINTR.  A signal that comes after the loop read the flag and before
 * waitpid() blocks would wait for the next event: so
 * engine_request_tick(), which memtrace's own handlers call, also arms
 * the timer for one tick ENGINE_KICK_NS later when it is not running
 * already, whose SIGALRM ends that waitpid().  The timer runs all along
 * only while something needs time to pass (--duration, queued calls):
 * memtrace's other system calls then see no signal at all in a run
 * without them.
 */
#include "engine_int.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "util.h"

/* How soon the tick engine_request_tick() asks for comes, at the latest. */
#define ENGINE_KICK_NS 1000000ULL

/* Set by the handler and by engine_request_tick(); the loop clears it. */
static volatile sig_atomic_t tick_due;
/*
 * Whether the timer fires every ENGINE_TICK_NS: set before it is armed
 * and cleared after it is disarmed.  A handler that sees it set arms
 * nothing: either a tick is to come, or the loop is between disarming
 * it and its next wait, and reads tick_due before that wait (run_loop()
 * reads it again after each tick, which may disarm the timer).
 */
static volatile sig_atomic_t periodic;

static void on_alarm(int sig)
{
	(void)sig;
	tick_due = 1;
}

void engine_request_tick(void)
{
	/* setitimer() is a system call that touches no state of the process's: safe here. */
	struct itimerval once = {
		.it_value = { .tv_usec = (suseconds_t)(ENGINE_KICK_NS / 1000) },
	};
	int saved = errno;

	tick_due = 1;
	if (!periodic)
		(void)setitimer(ITIMER_REAL, &once, NULL);
	errno = saved;
}

void timer_install(void)
{
	static bool installed;
	struct sigaction act;

	if (installed)
		return;
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_alarm;
	/* No SA_RESTART: the tick must make waitpid() return EINTR. */
	act.sa_flags = 0;
	sigemptyset(&act.sa_mask);
	if (sigaction(SIGALRM, &act, NULL) < 0)
		perror_die("sigaction(SIGALRM)");
	installed = true;
}

void timer_cancel(void)
{
	static const struct itimerval off;

	(void)setitimer(ITIMER_REAL, &off, NULL);
}

void set_timer(struct engine *eng, bool on)
{
	struct itimerval val = { 0 };

	/* While the loop runs, --duration needs the tick all along, to notice the time is up. */
	on = on || (eng->ticking && eng->opts.detach_at_ns);
	if (on == (periodic != 0))
		return;
	if (on) {
		periodic = 1;
		val.it_interval.tv_usec = (suseconds_t)(ENGINE_TICK_NS / 1000);
		val.it_value = val.it_interval;
	}
	(void)setitimer(ITIMER_REAL, &val, NULL);
	if (!on)
		periodic = 0;
}

bool tick_pending(void)
{
	return tick_due != 0;
}

void tick_clear(void)
{
	tick_due = 0;
}

bool engine_tick(struct engine *eng)
{
	enum engine_tick_action action = ENGINE_GO_ON;

	tick_due = 0;
	release_stuck_queues(eng);
	if (eng->opts.on_tick)
		action = eng->opts.on_tick(eng->opts.tick_ctx);
	if (action == ENGINE_KILL_ALL && !eng->killed_all)
		engine_kill_all(eng);
	if (eng->attach_mode &&
	    (action == ENGINE_DETACH_ALL ||
	     (eng->opts.detach_at_ns && engine_now_ns(eng) >= eng->opts.detach_at_ns))) {
		engine_detach_all(eng);
		return true;
	}
	return false;
}
