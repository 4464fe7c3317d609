// SPDX-License-Identifier: GPL-2.0
/*
 * labfuzz: random and malformed commands for memlab's debugfs lab, from a seed.
 *
 *   labfuzz [-w WRITER] SEED COUNT
 *
 * Writes COUNT commands to /sys/kernel/debug/memlab/control, one write(2) each, drawn from a
 * xorshift64* stream seeded with SEED (and WRITER, so concurrent writers differ): well-formed
 * commands of every kind over a small pool of names (so they meet each other: EEXIST, ENOENT,
 * EBUSY), and malformed ones (random bytes, NULs, non-UTF-8, cut or mutated commands, several
 * lines, more than a page). Between commands it reads objects, stats and control, and reads and
 * writes data/<name> files at random offsets. Every answer must be one the lab documents; any
 * other errno, or a failed read of a lab file, ends the run with exit status 1 and the seed,
 * writer and command that caused it. The same SEED, WRITER and COUNT replay the same commands.
 *
 * Built statically in memlab's sysroot (the guest has only busybox), by scripts/test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LAB "/sys/kernel/debug/memlab/"
#define MAX_COMMAND 6000

static uint64_t state;

/* xorshift64*: small, fast, and the same on every machine. */
static uint64_t next(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dULL;
}

static unsigned int below(unsigned int n)
{
	return (unsigned int)(next() % n);
}

static const char *pick(const char *const *list, unsigned int n)
{
	return list[below(n)];
}

#define PICK(list) pick(list, sizeof(list) / sizeof(list[0]))

static int writer;

/* A name from a small pool: this writer's own, shared ones, and the help examples' names. */
static const char *name(void)
{
	static char buf[40];
	static const char *const shared[] = { "s0", "s1", "s2", "buf", "blk", "objs", "spare", "all" };

	if (below(4) == 0)
		return PICK(shared);
	snprintf(buf, sizeof(buf), "w%d_%u", writer, below(6));
	return buf;
}

static const char *size(void)
{
	static char buf[40];
	static const char *const odd[] = { "0", "-1", "1G", "4M", "4194305", "17179869184G",
					   "99999999999999999999", "0x", "12Q", "0x1000", "2M", "" };

	switch (below(8)) {
	case 0:
		return PICK(odd);
	case 1:
		snprintf(buf, sizeof(buf), "%uK", 1 + below(64));
		return buf;
	default:
		snprintf(buf, sizeof(buf), "%u", 1 + below(5000));
		return buf;
	}
}

static const char *gfp(void)
{
	static const char *const flags[] = {
		"", "", "", "", " gfp=GFP_KERNEL", " gfp=GFP_ATOMIC", " gfp=GFP_NOWAIT",
		" gfp=GFP_KERNEL|__GFP_ZERO", " gfp=GFP_KERNEL|GFP_DMA32", " gfp=GFP_KERNEL|GFP_DMA",
		" gfp=GFP_KERNEL|__GFP_NOFAIL", " gfp=GFP_USER", " gfp=__GFP_COMP", " gfp=BOGUS",
		" gfp=", " gfp=GFP_KERNEL|__GFP_NORETRY", " gfp=GFP_DMA|GFP_DMA32",
	};
	return PICK(flags);
}

/* A well-formed command (by grammar; its arguments may still be refused). */
static void command(char *out, size_t len)
{
	static const char *const sized[] = { "kmalloc", "kzalloc", "kvmalloc", "vmalloc", "vzalloc",
					     "vmalloc_32", "dma", "slab" };
	static const char *const paged[] = { "pages", "highpages", "get_free_pages" };
	static const char *const flags[] = { "", " flags=POISON", " flags=RED_ZONE|STORE_USER",
					     " flags=HWCACHE_ALIGN", " flags=CACHE_DMA", " flags=NOPE",
					     " align=64", " align=24", " align=8192" };
	static const char *const backing[] = { "kmalloc:64", "kmalloc:0", "pages:1", "pages:11",
					       "slab:", "heap:1" };
	char a[40], b[40], c[40];

	snprintf(a, sizeof(a), "%s", name());
	snprintf(b, sizeof(b), "%s", name());
	snprintf(c, sizeof(c), "%s", name());
	switch (below(24)) {
	case 0: case 1: case 2: case 3:
		snprintf(out, len, "alloc %s %s %s%s", a, PICK(sized), size(), gfp());
		break;
	case 4:
		snprintf(out, len, "alloc %s %s %u%s", a, PICK(paged), below(12), gfp());
		break;
	case 5:
		snprintf(out, len, "alloc %s zeroed_page%s", a, gfp());
		break;
	case 6:
		snprintf(out, len, "realloc %s %s%s", a, size(), gfp());
		break;
	case 7:
		snprintf(out, len, "fill %s %u", a, below(300));
		break;
	case 8:
		snprintf(out, len, "check %s pattern %u", a, below(4));
		break;
	case 9:
		snprintf(out, len, "fill %s pattern %u", a, below(4));
		break;
	case 10: case 11: case 12:
		snprintf(out, len, "free %s", a);
		break;
	case 13:
		snprintf(out, len, "cache create %s %s%s", a, size(), PICK(flags));
		break;
	case 14:
		snprintf(out, len, "%s destroy %s", below(2) ? "cache" : "pool", a);
		break;
	case 15: {
		const char *back = PICK(backing);

		if (strcmp(back, "slab:") == 0)
			snprintf(out, len, "pool create %s %u slab:%s", a, below(6), b);
		else
			snprintf(out, len, "pool create %s %u %s", a, below(6), back);
		break;
	}
	case 16:
		snprintf(out, len, "alloc %s %s:%s%s", a, below(2) ? "cache" : "pool", b, gfp());
		break;
	case 17:
		snprintf(out, len, "vmap %s %s%s%s", a, b, below(2) ? " " : "", below(2) ? c : "");
		break;
	case 18:
		snprintf(out, len, "kmap %s %s %u", a, b, below(4));
		break;
	case 19:
		snprintf(out, len, "kmap_local %s %u", a, below(4));
		break;
	case 20:
		snprintf(out, len, "ioremap %s edu %u %u", a, 4 * below(64), 4 * below(64));
		break;
	case 21:
		/* Transfers wait for the device (100 ms): rare. */
		if (below(8) == 0)
			snprintf(out, len, "dma %s %s", a, below(2) ? "to-device" : "from-device");
		else
			snprintf(out, len, "check %s %u", a, below(256));
		break;
	case 22:
		/* Rare, or the lab would be empty most of the time. */
		snprintf(out, len, below(16) ? "check %s 0" : "free all", a);
		break;
	default:
		snprintf(out, len, "%s", PICK(sized));
		break;
	}
}

/* Breaks a command: bytes flipped, cut, NULs, non-UTF-8, extra lines, or far too long. */
static size_t malform(char *buf, size_t len)
{
	size_t i, n = strlen(buf);

	switch (below(7)) {
	case 0:
		for (i = 0; i < 1 + below(3) && n; i++)
			buf[below(n)] = (char)below(256);
		return n;
	case 1:
		return n ? below(n) : 0;
	case 2:
		if (n)
			buf[below(n)] = '\0';
		return n;
	case 3:
		snprintf(buf + n, len - n, "\n%s", "free all");
		return strlen(buf + n) + n;
	case 4:
		for (i = 0; i < 4096 + below(512) && i < len; i++)
			buf[i] = (char)('a' + below(26));
		return i;
	case 5:
		if (n)
			buf[below(n)] = (char)(0x80 + below(128));
		return n;
	default:
		snprintf(buf + n, len - n, " %s", "trailing");
		return strlen(buf);
	}
}

/* The answers the lab documents for a command. */
static int documented(int err)
{
	switch (err) {
	case 0: case EINVAL: case ENOENT: case EEXIST: case EBUSY: case ENOMEM: case E2BIG:
	case ENODEV: case EBADMSG:
		return 1;
	default:
		return 0;
	}
}

static unsigned long answers[256];
static char last[MAX_COMMAND + 1];

static void fail(const char *what, int err)
{
	fprintf(stderr, "labfuzz: writer %d: %s: %s (errno %d); last command: '%.200s'\n", writer,
		what, strerror(err), err, last);
	exit(1);
}

/* Reads a whole lab file; any error but the documented ones for data files fails the run. */
static void read_file(const char *path, int data)
{
	char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t got;

	if (fd < 0) {
		if (data && errno == ENOENT)
			return; /* freed meanwhile */
		fail(path, errno);
	}
	if (data)
		lseek(fd, (off_t)below(70000), SEEK_SET);
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		if (data)
			break;
	/*
	 * A data file whose object another writer frees while it is open answers EIO: debugfs cuts
	 * a removed file off from its open descriptors.
	 */
	if (got < 0 && !(data && (errno == ENOENT || errno == ENODEV || errno == EINVAL ||
				  errno == EIO)))
		fail(path, errno);
	close(fd);
}

/* Writes a few random bytes at a random offset of a data file. */
static void write_data(const char *file)
{
	char path[128], bytes[16];
	int fd;
	unsigned int i, n = 1 + below(16);

	snprintf(path, sizeof(path), LAB "data/%s", file);
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		if (errno == ENOENT)
			return;
		fail(path, errno);
	}
	for (i = 0; i < n; i++)
		bytes[i] = (char)below(256);
	/* Windows take only 4 bytes at registers 0x4 and 0x8: EINVAL, EPERM elsewhere. */
	if (pwrite(fd, bytes, n, (off_t)below(9000)) < 0 && errno != ENOSPC && errno != ENOENT &&
	    errno != ENODEV && errno != EINVAL && errno != EPERM && errno != EIO)
		fail(path, errno);
	close(fd);
}

int main(int argc, char **argv)
{
	unsigned long count, i, refused = 0;
	int control, opt;
	size_t len;

	while ((opt = getopt(argc, argv, "w:")) != -1) {
		if (opt != 'w') {
			fprintf(stderr, "usage: labfuzz [-w WRITER] SEED COUNT\n");
			return 2;
		}
		writer = atoi(optarg);
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: labfuzz [-w WRITER] SEED COUNT\n");
		return 2;
	}
	state = strtoull(argv[optind], NULL, 0) * 0x9e3779b97f4a7c15ULL + (uint64_t)writer + 1;
	count = strtoul(argv[optind + 1], NULL, 0);
	printf("labfuzz: seed %s writer %d: %lu commands\n", argv[optind], writer, count);
	control = open(LAB "control", O_RDWR);
	if (control < 0)
		fail(LAB "control", errno);
	for (i = 0; i < count; i++) {
		command(last, sizeof(last));
		len = below(5) == 0 ? malform(last, sizeof(last) - 2) : strlen(last);
		if (below(2))
			last[len++] = '\n';
		last[len] = '\0';
		errno = 0;
		if (write(control, last, len) < 0) {
			refused++;
			if (!documented(errno))
				fail("control", errno);
			answers[errno & 255]++;
		} else {
			answers[0]++;
		}
		switch (below(16)) {
		case 0:
			read_file(LAB "objects", 0);
			break;
		case 1:
			read_file(LAB "stats", 0);
			break;
		case 2: {
			char path[128];

			snprintf(path, sizeof(path), LAB "data/%s", name());
			read_file(path, 1);
			break;
		}
		case 3:
			write_data(name());
			break;
		case 4:
			read_file(LAB "control", 0);
			break;
		}
	}
	close(control);
	printf("labfuzz: seed %s writer %d: %lu commands, %lu refused: ok %lu, EINVAL %lu, "
	       "ENOENT %lu, EEXIST %lu, EBUSY %lu, ENOMEM %lu, E2BIG %lu, ENODEV %lu, EBADMSG %lu\n",
	       argv[optind], writer, count, refused, answers[0], answers[EINVAL], answers[ENOENT],
	       answers[EEXIST], answers[EBUSY], answers[ENOMEM], answers[E2BIG], answers[ENODEV],
	       answers[EBADMSG]);
	return 0;
}
