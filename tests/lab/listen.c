/*
 * listen.c - the open ports of the nray test lab.
 *
 * Usage: listen [-r READYFILE] PORTSPEC...
 *
 * PORTSPEC is a comma-separated list of ports and ranges ("22,80,8000-8010").
 * Listens on every port on the wildcard address (IPv6 "::" with IPV6_V6ONLY
 * off, so IPv4 and every AnyIP address of the namespace are accepted too;
 * plain 0.0.0.0 when the kernel has no IPv6), accepts every connection and
 * closes it at once, so the accept queue never fills and an open port never
 * looks filtered.  When every port is bound it writes "ready" to READYFILE
 * (or to stdout) and runs until killed.  Test helper: prints and exits freely.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_BACKLOG 65535
#define LISTEN_MAX     65536

static void
listen_die(const char *what)
{
	fprintf(stderr, "listen: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Parses one PORTSPEC into the flag table PORTS; 0, or -1 when malformed. */
static int
listen_parse(const char *spec, unsigned char *ports)
{
	const char *s = spec;

	while (*s != '\0') {
		char *end;
		long lo, hi;

		lo = strtol(s, &end, 10);
		if (end == s)
			return -1;
		hi = lo;
		if (*end == '-') {
			s = end + 1;
			hi = strtol(s, &end, 10);
			if (end == s)
				return -1;
		}
		if (lo < 1 || hi > 65535 || lo > hi)
			return -1;
		for (long p = lo; p <= hi; p++)
			ports[p] = 1;
		if (*end == ',')
			end++;
		else if (*end != '\0')
			return -1;
		s = end;
	}
	return 0;
}

/* Opens a non-blocking listening socket on PORT; the fd, or exits. */
static int
listen_open(int port)
{
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;
	int one = 1, zero = 0, fd;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		memset(&a6, 0, sizeof(a6));
		a6.sin6_family = AF_INET6;
		a6.sin6_addr = in6addr_any;
		a6.sin6_port = htons((unsigned short)port);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
		        sizeof(zero)) == -1 ||
		    setsockopt(
		        fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
			listen_die("setsockopt");
		if (bind(fd, (struct sockaddr *)&a6, sizeof(a6)) == -1)
			listen_die("bind [::]");
	} else if (errno == EAFNOSUPPORT) {
		fd = socket(
		    AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd == -1)
			listen_die("socket");
		memset(&a4, 0, sizeof(a4));
		a4.sin_family = AF_INET;
		a4.sin_addr.s_addr = htonl(INADDR_ANY);
		a4.sin_port = htons((unsigned short)port);
		if (setsockopt(
		        fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
			listen_die("setsockopt");
		if (bind(fd, (struct sockaddr *)&a4, sizeof(a4)) == -1)
			listen_die("bind 0.0.0.0");
	} else {
		listen_die("socket");
	}
	if (listen(fd, LISTEN_BACKLOG) == -1)
		listen_die("listen");
	return fd;
}

/* Accepts and closes everything queued on FD, until the queue is empty. */
static void
listen_drain(int fd)
{
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (c >= 0) {
			close(c);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			return; /* epoll reports the fd again */
		listen_die("accept");
	}
}

int
main(int argc, char **argv)
{
	static unsigned char ports[LISTEN_MAX];
	struct epoll_event ev, evs[256];
	const char *ready = NULL;
	struct rlimit rl;
	size_t nports = 0;
	int ep, i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) {
			ready = argv[++i];
			continue;
		}
		if (listen_parse(argv[i], ports) == -1) {
			fprintf(
			    stderr, "listen: bad port spec '%s'\n", argv[i]);
			return 2;
		}
	}
	for (i = 1; i < LISTEN_MAX; i++)
		nports += ports[i];
	if (nports == 0) {
		fprintf(stderr, "usage: listen [-r READYFILE] PORTSPEC...\n");
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep == -1)
		listen_die("epoll_create1");
	for (i = 1; i < LISTEN_MAX; i++) {
		if (!ports[i])
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = listen_open(i);
		if (epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev) == -1)
			listen_die("epoll_ctl");
	}
	if (ready != NULL) {
		FILE *f = fopen(ready, "w");

		if (f == NULL || fputs("ready\n", f) == EOF || fclose(f) != 0)
			listen_die(ready);
	} else {
		printf("ready\n");
		if (fflush(stdout) == EOF)
			listen_die("stdout");
	}
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			listen_die("epoll_wait");
		}
		for (i = 0; i < n; i++)
			listen_drain(evs[i].data.fd);
	}
}
