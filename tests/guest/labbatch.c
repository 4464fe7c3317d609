// SPDX-License-Identifier: GPL-2.0
/*
 * labbatch: runs memlab lab commands from a file, one write(2) each, and prints each one's
 * answer: "ok" or the errno's name, a tab, the command.
 *
 *   labbatch [-f] FILE
 *
 * With -f the commands run with this task's fault injection on (/proc/self/make-it-fail), for
 * the failslab and fail_page_alloc attributes with task-filter=Y: only allocations made while
 * the lab serves these commands may fail, never the shell's. Everything the run needs is in
 * place before that (the commands read, the files open, all memory locked with mlockall), so
 * the process itself allocates nothing while failures are on.
 *
 * Built statically in memlab's sysroot (the guest has only busybox), by scripts/test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_COMMANDS 4096
#define MAX_TEXT (1 << 20)

static char text[MAX_TEXT];
static char *commands[MAX_COMMANDS];
static int answers[MAX_COMMANDS];

static const char *errno_name(int err)
{
	switch (err) {
	case 0: return "ok";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case EBUSY: return "EBUSY";
	case ENOMEM: return "ENOMEM";
	case E2BIG: return "E2BIG";
	case ENODEV: return "ENODEV";
	case EBADMSG: return "EBADMSG";
	default: return "OTHER";
	}
}

static int die(const char *what)
{
	fprintf(stderr, "labbatch: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	int fail = argc == 3 && strcmp(argv[1], "-f") == 0;
	int control, make_it_fail, input, i, n = 0;
	ssize_t got, len = 0;
	char *line;

	if (argc != 2 + fail) {
		fprintf(stderr, "usage: labbatch [-f] FILE\n");
		return 2;
	}
	input = open(argv[1 + fail], O_RDONLY);
	if (input < 0)
		return die(argv[1 + fail]);
	while ((got = read(input, text + len, sizeof(text) - 1 - len)) > 0)
		len += got;
	close(input);
	for (line = strtok(text, "\n"); line && n < MAX_COMMANDS; line = strtok(NULL, "\n"))
		commands[n++] = line;
	control = open("/sys/kernel/debug/memlab/control", O_WRONLY);
	make_it_fail = open("/proc/self/make-it-fail", O_WRONLY);
	if (control < 0 || make_it_fail < 0)
		return die("open");
	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		return die("mlockall");
	if (fail && pwrite(make_it_fail, "1", 1, 0) != 1)
		return die("make-it-fail");
	for (i = 0; i < n; i++)
		answers[i] = write(control, commands[i], strlen(commands[i])) < 0 ? errno : 0;
	if (fail && pwrite(make_it_fail, "0", 1, 0) != 1)
		return die("make-it-fail");
	for (i = 0; i < n; i++)
		printf("%s\t%s\n", errno_name(answers[i]), commands[i]);
	return 0;
}
