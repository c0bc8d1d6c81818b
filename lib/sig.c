/* sig.c - start-up common to every program and the stop flag. */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"

volatile sig_atomic_t sig_stop;

static void
on_stop(int signo)
{
	sig_stop = signo;
}

void
sig_init(void)
{
	struct sigaction sa;
	int fd;

	/* A program started with fd 0-2 closed must not write records into
	 * whatever file it opens next. */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: blocking calls return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int
sig_exit_status(void)
{
	switch (sig_stop) {
	case SIGINT:
		return 130;
	case SIGTERM:
		return 143;
	}
	return 0;
}
