/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eng-test-init: what a container looks like from inside, for the
 * integration tests (crun's tests/init.c).  Static, so it runs in any image
 * bound in with -v.  The first argument is the verb:
 *
 *	id                 uid=U gid=G groups=G1,G2
 *	hostname           the host name
 *	isatty FD          "true"/"false"
 *	winsize            ROWS COLS of stdin's terminal
 *	exit N             exit with status N
 *	cat FILE           print FILE
 *	write FILE TEXT    write TEXT to FILE (exit 1 with the errno name on failure)
 *	status KEY...      the lines KEY: of /proc/self/status
 *	trap SIG N         wait for SIG, then exit with N ("ready" on stdout first)
 *	zombie             make an orphan that exits, wait until PID 1 reaped it, print "reaped"
 *	pid                our pid
 *	syscall NAME [ARG] try a refused syscall (unshare, keyctl, ...) and print errno;
 *	                   personality ARG (hex) too
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int cmd_id(void)
{
        gid_t groups[256];
        int n = getgroups(256, groups);

        printf("uid=%u gid=%u groups=", (unsigned) getuid(), (unsigned) getgid());
        for (int i = 0; i < n; i++)
                printf("%s%u", i ? "," : "", (unsigned) groups[i]);
        printf("\n");
        return 0;
}

static int cmd_status(int argc, char **argv)
{
        FILE *f = fopen("/proc/self/status", "r");
        char line[512];

        if (!f) {
                perror("/proc/self/status");
                return 1;
        }
        while (fgets(line, sizeof(line), f))
                for (int i = 0; i < argc; i++) {
                        size_t n = strlen(argv[i]);

                        if (strncmp(line, argv[i], n) == 0 && line[n] == ':')
                                fputs(line, stdout);
                }
        fclose(f);
        return 0;
}

static volatile sig_atomic_t got;

static void on_signal(int sig)
{
        got = sig;
}

static int cmd_trap(const char *sig, int code)
{
        int s = atoi(sig);
        struct sigaction sa = { .sa_handler = on_signal };

        sigaction(s, &sa, NULL);
        printf("ready\n");
        fflush(stdout);
        while (!got)
                pause();
        return code;
}

static int cmd_zombie(void)
{
        pid_t mid = fork(), orphan;
        char path[64];
        struct stat st;

        if (mid == 0) {
                orphan = fork();
                if (orphan == 0) {
                        usleep(100 * 1000);
                        _exit(0); /* dies after its parent: PID 1 must reap it */
                }
                printf("%d\n", (int) orphan);
                fflush(stdout);
                _exit(0);
        }
        waitpid(mid, NULL, 0);
        /* the orphan's pid was printed by the middle process; find it again */
        for (int i = 0; i < 100; i++) {
                usleep(50 * 1000);
                int any = 0;
                for (pid_t p = 2; p < 4096; p++) {
                        FILE *f;
                        char state = 0, buf[256];

                        if (p == getpid())
                                continue;
                        snprintf(path, sizeof(path), "/proc/%d/stat", (int) p);
                        if (stat(path, &st) < 0)
                                continue;
                        f = fopen(path, "r");
                        if (!f)
                                continue;
                        if (fgets(buf, sizeof(buf), f)) {
                                char *rp = strrchr(buf, ')');

                                if (rp)
                                        state = rp[2];
                        }
                        fclose(f);
                        if (p != 1 && state == 'Z')
                                any = 1;
                }
                if (!any && i > 3) {
                        printf("reaped\n");
                        return 0;
                }
        }
        printf("zombie left\n");
        return 1;
}

static int cmd_syscall(const char *name, const char *arg)
{
        long r = -1;

        if (strcmp(name, "personality") == 0)
                r = syscall(SYS_personality, arg ? strtoul(arg, NULL, 16) : 0xffffffffUL);
        else if (strcmp(name, "keyctl") == 0)
                r = syscall(SYS_keyctl, 0, 0, 0, 0, 0);
        else if (strcmp(name, "swapon") == 0)
                r = syscall(SYS_swapon, "/nonexistent", 0);
        else if (strcmp(name, "kexec_load") == 0)
                r = syscall(SYS_kexec_load, 0, 0, NULL, 0);
        else if (strcmp(name, "add_key") == 0)
                r = syscall(SYS_add_key, "user", "eng", "x", 1, -2);
        else if (strcmp(name, "chroot") == 0)
                r = syscall(SYS_chroot, "/");
        else {
                fprintf(stderr, "unknown syscall %s\n", name);
                return 2;
        }
        printf("%s\n", r < 0 ? strerrorname_np(errno) : "ok");
        return 0;
}

/* mmap FILE TEXT: write TEXT at the start of FILE through a shared mapping; print what read() sees
 */
static int cmd_mmap(const char *file, const char *text)
{
        size_t len = strlen(text);
        char buf[256] = "";
        int fd = open(file, O_RDWR);
        char *m;

        if (fd < 0) {
                perror(file);
                return 1;
        }
        m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) {
                perror("mmap");
                return 1;
        }
        memcpy(m, text, len);
        if (msync(m, len, MS_SYNC) < 0 || munmap(m, len) < 0) {
                perror("msync");
                return 1;
        }
        if (pread(fd, buf, len < sizeof(buf) - 1 ? len : sizeof(buf) - 1, 0) < 0) {
                perror("pread");
                return 1;
        }
        close(fd);
        printf("%s\n", buf);
        return 0;
}

/*
 * stress DIR OPS MAPS: OPS rounds of create, write, rename and unlink in DIR,
 * then MAPS rounds of open, mmap, read through the mapping, close.
 */
static int cmd_stress(const char *dir, long ops, long maps)
{
        char a[4096], b[4096];

        for (long i = 0; i < ops; i++) {
                int fd;

                snprintf(a, sizeof(a), "%s/f%ld", dir, i % 64);
                snprintf(b, sizeof(b), "%s/g%ld", dir, i % 64);
                fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                if (fd < 0 || write(fd, a, strlen(a)) < 0 || close(fd) < 0 || rename(a, b) < 0 ||
                    unlink(b) < 0) {
                        perror(a);
                        return 1;
                }
        }
        snprintf(a, sizeof(a), "%s/mapped", dir);
        {
                int fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);

                if (fd < 0 || write(fd, "0123456789", 10) != 10 || close(fd) < 0) {
                        perror(a);
                        return 1;
                }
        }
        for (long i = 0; i < maps; i++) {
                int fd = open(a, O_RDONLY);
                char *m;

                if (fd < 0) {
                        perror(a);
                        return 1;
                }
                m = mmap(NULL, 10, PROT_READ, MAP_SHARED, fd, 0);
                if (m == MAP_FAILED || m[9] != '9') {
                        perror("mmap");
                        return 1;
                }
                munmap(m, 10);
                close(fd);
        }
        unlink(a);
        return 0;
}

int main(int argc, char **argv)
{
        const char *verb = argc > 1 ? argv[1] : "";

        if (strcmp(verb, "id") == 0)
                return cmd_id();
        if (strcmp(verb, "hostname") == 0) {
                char h[256];

                if (gethostname(h, sizeof(h)) < 0)
                        return 1;
                printf("%s\n", h);
                return 0;
        }
        if (strcmp(verb, "isatty") == 0 && argc > 2) {
                printf("%s\n", isatty(atoi(argv[2])) ? "true" : "false");
                return 0;
        }
        if (strcmp(verb, "winsize") == 0) {
                struct winsize ws;

                if (ioctl(0, TIOCGWINSZ, &ws) < 0) {
                        perror("TIOCGWINSZ");
                        return 1;
                }
                printf("%u %u\n", ws.ws_row, ws.ws_col);
                return 0;
        }
        if (strcmp(verb, "exit") == 0 && argc > 2)
                return atoi(argv[2]);
        if (strcmp(verb, "write") == 0 && argc > 3) {
                int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);

                if (fd < 0 || write(fd, argv[3], strlen(argv[3])) < 0) {
                        printf("%s\n", strerrorname_np(errno));
                        return 1;
                }
                close(fd);
                return 0;
        }
        if (strcmp(verb, "status") == 0)
                return cmd_status(argc - 2, argv + 2);
        if (strcmp(verb, "trap") == 0 && argc > 3)
                return cmd_trap(argv[2], atoi(argv[3]));
        if (strcmp(verb, "zombie") == 0)
                return cmd_zombie();
        if (strcmp(verb, "pid") == 0) {
                printf("%d\n", (int) getpid());
                return 0;
        }
        if (strcmp(verb, "syscall") == 0 && argc > 2)
                return cmd_syscall(argv[2], argc > 3 ? argv[3] : NULL);
        if (strcmp(verb, "mmap") == 0 && argc > 3)
                return cmd_mmap(argv[2], argv[3]);
        if (strcmp(verb, "stress") == 0 && argc > 4)
                return cmd_stress(argv[2], atol(argv[3]), atol(argv[4]));
        fprintf(stderr, "eng-test-init: unknown verb '%s'\n", verb);
        return 2;
}
