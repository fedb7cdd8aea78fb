/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eng-overlayfs: the loop that reads the kernel's requests.
 *
 * A request is a round trip: the caller sleeps until a daemon thread has
 * read the request and written the answer.  libfuse's loop has its threads
 * wait in read(), and the kernel wakes whichever waited longest; the
 * scheduler puts a woken thread on an idle CPU rather than the caller's.
 * So on a small machine nearly every round trip wakes a sleeping CPU for
 * the daemon and then again for the caller, which on a virtual machine
 * means leaving and re-entering the hypervisor twice: 50 us a GETATTR here,
 * against 11 us when the daemon and the caller share a CPU.
 *
 * Here each CPU the daemon may use has a thread of its own, bound to it,
 * waiting in poll().  A request wakes all of them; the one on the caller's
 * CPU runs as soon as the caller sleeps, and the others find nothing to
 * read and go back to waiting.  While they wake, the other CPUs are not
 * idle, so the caller is woken where it slept.  Waking every thread costs
 * one wake-up per CPU a request, so this is for machines of a few CPUs
 * (OVL_LOOP_MAX_CPUS): on more, libfuse's loop is used.
 *
 * When a request leaves no thread waiting and none comes back soon (a hung
 * lower file system, a long fsync, a few callers at once), the main thread
 * starts one bound to no CPU, up to OVL_LOOP_MAX_THREADS in all; it leaves
 * as soon as another waits, or after a second without a request.
 *
 * The termination signals are taken by the main thread alone, which waits
 * for the loop to end; a thread that finds the device gone ends it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>

#include "storage/ovl-internal.h"

#include "common/banned.h"

#define OVL_LOOP_MAX_CPUS       4
#define OVL_LOOP_MAX_THREADS    12
#define OVL_LOOP_EXTRA_IDLE     1000 /* ms a thread not bound to a CPU waits before it leaves */
#define OVL_LOOP_EXTRA_GRACE_US 1000 /* all busy: for one to end, before another starts */

enum slot_state { SLOT_FREE, SLOT_RUNNING, SLOT_DONE };

struct loop;

struct slot {
        struct loop *loop;
        pthread_t thread;
        int cpu; /* -1: not bound, joined when the others are all busy */
        enum slot_state state;
};

struct loop {
        struct ovl_fs *fs;
        struct fuse_session *se;
        int fd;     /* the FUSE device, non-blocking */
        int stopfd; /* readable once the loop ends */
        int askfd;  /* to the main thread: no thread is waiting */
        bool asked; /* (atomic) askfd written and not answered yet */
        int idle;   /* threads not busy with a request (atomic) */
        int error;  /* what ended it, -errno; 0: an unmount or a signal */
        pthread_mutex_t lock;
        bool stopping; /* no thread starts any more */
        struct slot slots[OVL_LOOP_MAX_THREADS];
};

static void loop_stop(struct loop *l, int error)
{
        uint64_t one = 1;

        pthread_mutex_lock(&l->lock);
        if (error < 0 && l->error == 0)
                l->error = error;
        l->stopping = true;
        pthread_mutex_unlock(&l->lock);
        fuse_session_exit(l->se);
        if (write(l->stopfd, &one, sizeof(one)) < 0) {
                /* the counter is full: it is readable already */
        }
}

static void *loop_thread(void *data);

/* with l->lock held: a thread in a free slot; false if none could start */
static bool start_locked(struct loop *l, int cpu)
{
        struct slot *s = NULL;
        bool ok;

        if (l->stopping)
                return false;
        for (int i = 0; i < OVL_LOOP_MAX_THREADS; i++) {
                if (l->slots[i].state == SLOT_DONE) {
                        /* it has left its loop: joining takes no time */
                        pthread_join(l->slots[i].thread, NULL);
                        l->slots[i].state = SLOT_FREE;
                }
                if (!s && l->slots[i].state == SLOT_FREE)
                        s = &l->slots[i];
        }
        if (!s)
                return false;
        s->loop = l;
        s->cpu = cpu;
        __atomic_add_fetch(&l->idle, 1, __ATOMIC_ACQ_REL);
        ok = ovl_thread_start(l->fs, &s->thread, loop_thread, s, cpu) == 0;
        if (ok)
                s->state = SLOT_RUNNING;
        else
                __atomic_sub_fetch(&l->idle, 1, __ATOMIC_ACQ_REL);
        return ok;
}

static int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* an idle thread may leave if @others besides it are idle: counted out, true */
static bool leave_idle(struct loop *l, int others)
{
        int n = __atomic_load_n(&l->idle, __ATOMIC_ACQUIRE);

        while (n - 1 >= others)
                if (__atomic_compare_exchange_n(&l->idle, &n, n - 1, false, __ATOMIC_ACQ_REL,
                                                __ATOMIC_ACQUIRE))
                        return true;
        return false;
}

/* the end of a thread counted out of the idle ones */
static void *leave(struct slot *s, struct fuse_buf *buf)
{
        free(buf->mem);
        pthread_mutex_lock(&s->loop->lock);
        s->state = SLOT_DONE;
        pthread_mutex_unlock(&s->loop->lock);
        return NULL;
}

static void *loop_thread(void *data)
{
        struct slot *s = data;
        struct loop *l = s->loop;
        struct fuse_buf buf;
        int64_t last = now_ms(); /* the last request taken */

        memset(&buf, 0, sizeof(buf));
        for (;;) {
                struct pollfd p[2] = { { .fd = l->fd, .events = POLLIN },
                                       { .fd = l->stopfd, .events = POLLIN } };
                int64_t idle = now_ms() - last;
                int r;

                /* not bound to a CPU, and no request taken for a while (the others'
                 * wake it too: they do not count) */
                if (s->cpu < 0 && idle >= OVL_LOOP_EXTRA_IDLE && leave_idle(l, 1))
                        return leave(s, &buf);
                r = poll(p, 2,
                         s->cpu >= 0 ? -1
                                     : (int) (OVL_LOOP_EXTRA_IDLE - idle % OVL_LOOP_EXTRA_IDLE));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0) {
                        loop_stop(l, -errno);
                        break;
                }
                if (p[1].revents || fuse_session_exited(l->se))
                        break;
                if (r == 0)
                        continue;
                if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
                        loop_stop(l, 0); /* unmounted, or the connection aborted */
                        break;
                }
                r = fuse_session_receive_buf(l->se, &buf);
                if (r == -EAGAIN || r == -EINTR)
                        continue; /* another thread took it */
                if (r <= 0) {
                        loop_stop(l, r);
                        break;
                }
                if (__atomic_sub_fetch(&l->idle, 1, __ATOMIC_ACQ_REL) == 0 &&
                    !__atomic_exchange_n(&l->asked, true, __ATOMIC_ACQ_REL)) {
                        uint64_t one = 1;

                        /* nobody left to take the next request: the main thread starts
                         * one if none is free soon (as a rule one is: the thread that
                         * answered the request before, whose caller, woken, took its CPU
                         * before it could count itself idle again) */
                        if (write(l->askfd, &one, sizeof(one)) < 0)
                                __atomic_store_n(&l->asked, false, __ATOMIC_RELEASE);
                }
                fuse_session_process_buf(l->se, &buf);
                __atomic_add_fetch(&l->idle, 1, __ATOMIC_ACQ_REL);
                /* not bound to a CPU: needed no more while another waits (it answers
                 * from another CPU than the caller's, as a rule, and every thread
                 * waiting is woken by every request) */
                if (s->cpu < 0 && leave_idle(l, 1))
                        return leave(s, &buf);
                last = now_ms();
        }
        __atomic_sub_fetch(&l->idle, 1, __ATOMIC_ACQ_REL);
        return leave(s, &buf);
}

static int percpu_loop(struct ovl_fs *fs, struct fuse_session *se)
{
        struct loop l;
        sigset_t term, old;
        int flags, r;

        memset(&l, 0, sizeof(l));
        l.fs = fs;
        l.se = se;
        l.fd = fuse_session_fd(se);
        flags = fcntl(l.fd, F_GETFL);
        if (flags < 0 || fcntl(l.fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return -errno;
        l.stopfd = eventfd(0, EFD_CLOEXEC);
        if (l.stopfd < 0)
                return -errno;
        l.askfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (l.askfd < 0) {
                r = -errno;
                close(l.stopfd);
                return r;
        }
        pthread_mutex_init(&l.lock, NULL);

        /* the signals wait, blocked, until ppoll() below lets them in */
        sigemptyset(&term);
        sigaddset(&term, SIGINT);
        sigaddset(&term, SIGTERM);
        sigaddset(&term, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &term, &old);

        pthread_mutex_lock(&l.lock);
        for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
                if (CPU_ISSET(cpu, &fs->cpus) && !start_locked(&l, cpu))
                        break;
        r = l.slots[0].state == SLOT_RUNNING ? 0 : -EAGAIN;
        pthread_mutex_unlock(&l.lock);
        if (r < 0)
                loop_stop(&l, r);

        /* libfuse's handlers end the session on a signal */
        while (!fuse_session_exited(se)) {
                struct pollfd p[2] = { { .fd = l.stopfd, .events = POLLIN },
                                       { .fd = l.askfd, .events = POLLIN } };
                struct timespec grace = { .tv_nsec = OVL_LOOP_EXTRA_GRACE_US * 1000 };
                uint64_t v;

                if (ppoll(p, 2, NULL, &old) <= 0)
                        continue;
                if (p[0].revents)
                        break;
                if (read(l.askfd, &v, sizeof(v)) < 0)
                        continue;
                /* all busy: a short request ends soon, and a thread started for it
                 * costs more than the wait */
                if (ppoll(p, 1, &grace, &old) > 0)
                        break;
                __atomic_store_n(&l.asked, false, __ATOMIC_RELEASE);
                if (__atomic_load_n(&l.idle, __ATOMIC_ACQUIRE) == 0) {
                        pthread_mutex_lock(&l.lock);
                        (void) start_locked(&l, -1);
                        pthread_mutex_unlock(&l.lock);
                }
        }
        loop_stop(&l, 0);
        for (int i = 0; i < OVL_LOOP_MAX_THREADS; i++) {
                pthread_mutex_lock(&l.lock);
                if (l.slots[i].state == SLOT_FREE) {
                        pthread_mutex_unlock(&l.lock);
                        continue;
                }
                pthread_mutex_unlock(&l.lock);
                /* (no free slot is taken any more: l.stopping) */
                pthread_join(l.slots[i].thread, NULL);
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        close(l.askfd);
        close(l.stopfd);
        pthread_mutex_destroy(&l.lock);
        (void) fcntl(l.fd, F_SETFL, flags);
        return l.error;
}

int ovl_thread_start(struct ovl_fs *fs, pthread_t *ret_thread, void *(*fn)(void *), void *arg,
                     int cpu)
{
        pthread_attr_t attr;
        sigset_t all, old;
        cpu_set_t one;
        int r;

        /* a thread inherits its maker's CPU: a helper started by a thread bound to one
         * would stay there */
        CPU_ZERO(&one);
        if (cpu >= 0)
                CPU_SET(cpu, &one);
        pthread_attr_init(&attr);
        if (cpu >= 0 || CPU_COUNT(&fs->cpus) > 0)
                (void) pthread_attr_setaffinity_np(&attr, sizeof(cpu_set_t),
                                                   cpu >= 0 ? &one : &fs->cpus);
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        r = pthread_create(ret_thread, &attr, fn, arg);
        if (r == EINVAL) /* the CPU went away: anywhere, then */
                r = pthread_create(ret_thread, NULL, fn, arg);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_attr_destroy(&attr);
        return -r;
}

int ovl_loop(struct ovl_fs *fs, struct fuse_session *se)
{
        struct fuse_loop_config cfg = { .clone_fd = 0, .max_idle_threads = 10 };
        int n = CPU_COUNT(&fs->cpus);

        if (n > 0 && n <= OVL_LOOP_MAX_CPUS)
                return percpu_loop(fs, se);
        return fuse_session_loop_mt(se, &cfg);
}
