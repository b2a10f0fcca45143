/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine's timer and its tick (engine.h, "The tick").  waitpid()
 * cannot wait for a file descriptor as well, so the loop learns of time
 * and of signals the classic way: a SIGALRM handler, installed without
 * SA_RESTART, sets a flag, which the loop reads before each wait; a
 * signal that comes while the loop blocks in waitpid() makes it return
 * EINTR.  A signal that comes after the loop read the flag and before
 * waitpid() blocks is seen at the next tick: the timer runs all along
 * while there is an on_tick to call, which bounds that wait to one tick.
 */
#include "engine_int.h"

#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "util.h"

/* Set by the handler and by engine_request_tick(); the loop clears it. */
static volatile sig_atomic_t tick_due;

static void on_alarm(int sig)
{
	(void)sig;
	tick_due = 1;
}

void engine_request_tick(void)
{
	tick_due = 1;
}

/* The handler, once per process; SIGALRM is the engine's. */
static void install_handler(void)
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

void set_timer(struct engine *eng, bool on)
{
	struct itimerval val = { 0 };

	/*
	 * While the loop runs, --duration and on_tick need the tick all
	 * along: to notice the time is up, and to bound how late a signal
	 * is seen (above).  Else only queued calls need it.
	 */
	on = on || (eng->ticking && (eng->opts.detach_at_ns || eng->opts.on_tick));
	if (on == eng->timer_armed)
		return;
	if (on) {
		install_handler();
		val.it_interval.tv_usec = (suseconds_t)(ENGINE_TICK_NS / 1000);
		val.it_value = val.it_interval;
	}
	(void)setitimer(ITIMER_REAL, &val, NULL);
	eng->timer_armed = on;
}

bool tick_pending(void)
{
	return tick_due != 0;
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
