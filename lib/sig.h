/*
 * sig.h - process start-up and the signal-safe stop flag.
 */
#ifndef NRAY_SIG_H
#define NRAY_SIG_H

#include <signal.h>

/* 0 while running; SIGINT or SIGTERM once one of them arrived. */
extern volatile sig_atomic_t sig_stop;

/*
 * Start-up common to every program: makes sure fds 0-2 are open, ignores
 * SIGPIPE (a closed stdout shows up as EPIPE on write) and installs
 * SIGINT/SIGTERM handlers that only set sig_stop (no SA_RESTART, so blocking
 * calls return EINTR and the caller can look at the flag).
 */
void sig_init(void);

/* The exit status for a stop by signal: 130 (SIGINT), 143 (SIGTERM), else 0. */
int sig_exit_status(void);

#endif
