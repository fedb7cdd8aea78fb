/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/digest.h"
#include "common/xalloc.h"

#include "common/banned.h"

EVP_MD_CTX *eng_digest_new(void)
{
        EVP_MD_CTX *md = EVP_MD_CTX_new();

        if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
                abort(); /* only out of memory gets here */
        return md;
}

char *eng_digest_finish(EVP_MD_CTX *md)
{
        static const char digits[] = "0123456789abcdef";
        unsigned char sum[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        char *hex;

        EVP_DigestFinal_ex(md, sum, &n);
        hex = eng_xmalloc(7 + 2 * n + 1);
        memcpy(hex, "sha256:", 7);
        for (unsigned int i = 0; i < n; i++) {
                hex[7 + 2 * i] = digits[sum[i] >> 4];
                hex[7 + 2 * i + 1] = digits[sum[i] & 15];
        }
        hex[7 + 2 * n] = '\0';
        return hex;
}

char *eng_digest_of(const void *data, size_t len)
{
        EVP_MD_CTX *md = eng_digest_new();
        char *hex;

        EVP_DigestUpdate(md, data, len);
        hex = eng_digest_finish(md);
        EVP_MD_CTX_free(md);
        return hex;
}

/* --- the digest of a thread of its own */

#define RING_SIZE  (512 * 1024)
#define RING_BATCH (RING_SIZE / 4) /* what wakes the thread: fewer wake-ups, each dear */

struct eng_digest_async {
        EVP_MD_CTX *md;
        bool threaded;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t more; /* to the thread: bytes, or the end */
        pthread_cond_t room; /* to the caller: room in the ring */
        bool thread_waits;   /* the thread sleeps on "more" */
        bool caller_waits;   /* the caller sleeps on "room" */
        bool end, stop;      /* no more bytes; stop at once (nobody wants the digest) */
        uint64_t head, tail; /* bytes put in, bytes hashed */
        unsigned char *ring;
};

static void *digest_thread(void *data)
{
        struct eng_digest_async *h = data;

        pthread_mutex_lock(&h->lock);
        for (;;) {
                uint64_t avail = h->head - h->tail;
                size_t at, n;

                if (h->stop || (h->end && avail == 0))
                        break;
                if (avail < RING_BATCH && !h->end) {
                        h->thread_waits = true;
                        pthread_cond_wait(&h->more, &h->lock);
                        h->thread_waits = false;
                        continue;
                }
                at = (size_t) (h->tail % RING_SIZE);
                n = avail < RING_SIZE - at ? (size_t) avail : RING_SIZE - at;
                pthread_mutex_unlock(&h->lock);
                EVP_DigestUpdate(h->md, h->ring + at, n);
                pthread_mutex_lock(&h->lock);
                h->tail += n;
                if (h->caller_waits)
                        pthread_cond_signal(&h->room);
        }
        pthread_mutex_unlock(&h->lock);
        return NULL;
}

struct eng_digest_async *eng_digest_async_new(void)
{
        struct eng_digest_async *h = eng_xcalloc(1, sizeof(*h));
        sigset_t all, old;

        h->md = eng_digest_new();
        h->ring = eng_xmalloc(RING_SIZE);
        pthread_mutex_init(&h->lock, NULL);
        pthread_cond_init(&h->more, NULL);
        pthread_cond_init(&h->room, NULL);
        /* signals are the caller's business: the thread takes none */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        h->threaded = pthread_create(&h->thread, NULL, digest_thread, h) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (!h->threaded) {
                free(h->ring);
                h->ring = NULL;
        }
        return h;
}

void eng_digest_async_update(struct eng_digest_async *h, const void *data, size_t len)
{
        const unsigned char *p = data;

        if (!h->threaded) {
                EVP_DigestUpdate(h->md, data, len);
                return;
        }
        while (len > 0) {
                size_t at, n;

                pthread_mutex_lock(&h->lock);
                while (h->head - h->tail == RING_SIZE) {
                        h->caller_waits = true;
                        pthread_cond_wait(&h->room, &h->lock);
                        h->caller_waits = false;
                }
                at = (size_t) (h->head % RING_SIZE);
                n = RING_SIZE - (size_t) (h->head - h->tail); /* room */
                if (n > RING_SIZE - at)
                        n = RING_SIZE - at;
                if (n > len)
                        n = len;
                pthread_mutex_unlock(&h->lock);
                /* the thread reads only below head: this part is the caller's */
                memcpy(h->ring + at, p, n);
                pthread_mutex_lock(&h->lock);
                h->head += n;
                if (h->thread_waits && h->head - h->tail >= RING_BATCH)
                        pthread_cond_signal(&h->more);
                pthread_mutex_unlock(&h->lock);
                p += n;
                len -= n;
        }
}

static void digest_async_stop(struct eng_digest_async *h, bool abandon)
{
        if (!h->threaded)
                return;
        pthread_mutex_lock(&h->lock);
        h->end = true;
        h->stop = abandon;
        pthread_cond_signal(&h->more);
        pthread_mutex_unlock(&h->lock);
        pthread_join(h->thread, NULL);
        h->threaded = false;
}

static void digest_async_release(struct eng_digest_async *h)
{
        EVP_MD_CTX_free(h->md);
        free(h->ring);
        pthread_cond_destroy(&h->room);
        pthread_cond_destroy(&h->more);
        pthread_mutex_destroy(&h->lock);
        free(h);
}

char *eng_digest_async_finish(struct eng_digest_async *h)
{
        char *hex;

        digest_async_stop(h, false);
        hex = eng_digest_finish(h->md);
        digest_async_release(h);
        return hex;
}

struct eng_digest_async *eng_digest_async_free(struct eng_digest_async *h)
{
        if (!h)
                return NULL;
        digest_async_stop(h, true);
        digest_async_release(h);
        return NULL;
}
