/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * bench-time: runs each line of its input as a command, one after the
 * other (words split at spaces, no quoting, found on PATH; stdin and
 * stdout /dev/null), times each from fork to reaping on the monotonic
 * clock, and prints "RUNS MEDIAN P90 MIN CPU" in microseconds, CPU the
 * median of the user and system time each spent (what a loaded machine
 * changes least).  A command that fails ends it with exit 1, naming the
 * command: a figure of failed runs is no figure.  (date(1) around each
 * run, as a shell times it, adds its own fork and exec to the figure.)
 */
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARGS_MAX	64

static int
cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

int
main(void)
{
	char *line = NULL, *copy, *av[ARGS_MAX + 1], *save, *w;
	struct timespec t0, t1;
	size_t cap = 0, n = 0, max = 0;
	long *us = NULL, *cpu = NULL;
	struct rusage ru;
	int null, st, ac;
	pid_t pid;

	if ((null = open("/dev/null", O_RDWR)) == -1)
		return 1;
	while (getline(&line, &cap, stdin) != -1) {
		line[strcspn(line, "\n")] = '\0';
		if ((copy = strdup(line)) == NULL)
			return 1;
		ac = 0;
		for (w = strtok_r(line, " ", &save); w != NULL && ac < ARGS_MAX;
		    w = strtok_r(NULL, " ", &save))
			av[ac++] = w;
		av[ac] = NULL;
		if (ac == 0) {
			free(copy);
			continue;
		}
		if (n == max && ((us = realloc(us, (2 * max + 64) *
		    sizeof(*us))) == NULL || (cpu = realloc(cpu, (2 * max +
		    64) * sizeof(*cpu))) == NULL))
			return 1;
		if (n == max)
			max = 2 * max + 64;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if ((pid = fork()) == -1)
			return 1;
		if (pid == 0) {
			dup2(null, 0);
			dup2(null, 1);
			execvp(av[0], av);
			_exit(127);
		}
		if (wait4(pid, &st, 0, &ru) == -1)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "bench-time: '%s' failed (status "
			    "%d)\n", copy, WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st));
			return 1;
		}
		us[n] = (t1.tv_sec - t0.tv_sec) * 1000000L +
		    (t1.tv_nsec - t0.tv_nsec) / 1000;
		cpu[n++] = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
		    1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
		free(copy);
	}
	if (n == 0)
		return 1;
	qsort(us, n, sizeof(*us), cmp);
	qsort(cpu, n, sizeof(*cpu), cmp);
	printf("%zu %ld %ld %ld %ld\n", n, us[(n - 1) / 2],
	    us[(9 * n + 9) / 10 - 1], us[0], cpu[(n - 1) / 2]);
	return 0;
}
