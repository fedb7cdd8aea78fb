/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/platform.h"
#include "common/process.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "image/manifest.h"
#include "image/pull.h"
#include "image/reference.h"
#include "image/registry.h"
#include "storage/layer.h"

#include "common/banned.h"

#define CONFIG_MAX      (8 * 1024 * 1024)
#define PIPE_SIZE       (1024 * 1024)
/* Layers downloaded and unpacked at once, each by its own worker process. */
#define PARALLEL_LAYERS 4
/* How often download progress is reported. */
#define PROGRESS_MS     200

struct pull {
        struct storage_store *store;
        const struct eng_idmap *map;
        const struct image_pull_options *opts;
        struct image_registry *reg;
        struct image_ref ref;
        char *repo_name; /* "domain/path" */
};

static void progress(const struct pull *p, enum image_pull_event ev, const char *what,
                     uint64_t size)
{
        if (p->opts->progress)
                p->opts->progress(p->opts->progress_arg, ev, what, size);
}

/* Whether an image in the store has the name being pulled (so a HEAD may save the GET). */
static bool have_name(struct pull *p)
{
        _cleanup_free_ char *full = image_ref_string(&p->ref);
        _cleanup_json_ json_t *list = NULL;
        struct eng_error *e = NULL;
        json_t *img;
        size_t i;

        list = storage_image_list(p->store, &e);
        eng_err_free(e);
        json_array_foreach(list, i, img) {
                json_t *name;
                size_t k;

                json_array_foreach(json_object_get(img, "names"), k, name)
                        if (strcmp(json_string_value(name), full) == 0)
                                return true;
        }
        return false;
}

/*
 * The manifest or index @reference names: from the store when we have it
 * (a digest, or what a HEAD says a tag we have points to), else from the
 * registry.  A tag we do not have goes straight to the GET: a HEAD first
 * would only cost a round trip.
 */
static int get_manifest(struct pull *p, const char *reference, char **ret_data, size_t *ret_len,
                        char **ret_ct, char **ret_digest, struct eng_error **err)
{
        _cleanup_free_ char *known = NULL, *data = NULL, *digest = NULL;
        struct eng_error *e = NULL;
        size_t len = 0;

        if (image_digest_valid(reference))
                known = eng_xstrdup(reference);
        else if (have_name(p) &&
                 image_registry_head_manifest(p->reg, p->ref.path, reference, &known, &e) < 0)
                e = eng_err_free(e); /* the GET below reports what is wrong */
        if (known && storage_blob_get(p->store, known, IMAGE_MANIFEST_MAX, &data, &len, &e) == 0) {
                digest = eng_digest_of(data, len);
                if (strcmp(digest, known) == 0) {
                        eng_log_debug("manifest %s: in the store already", known);
                        *ret_data = TAKE_PTR(data);
                        *ret_len = len;
                        *ret_ct = NULL; /* the document says what it is */
                        *ret_digest = TAKE_PTR(digest);
                        return 0;
                }
        }
        eng_err_free(e);
        return image_registry_get_manifest(p->reg, p->ref.path, reference, ret_data, ret_len,
                                           ret_ct, ret_digest, err);
}

/* The manifest of this platform: an index is resolved to its entry (and kept). */
static int fetch_manifest(struct pull *p, struct image_manifest *ret_m, char **ret_data,
                          size_t *ret_len, char **ret_digest, char **ret_index,
                          struct eng_error **err)
{
        _cleanup_free_ char *data = NULL, *ct = NULL, *digest = NULL;
        const char *reference = p->ref.digest ? p->ref.digest : p->ref.tag;
        struct image_manifest m;
        size_t len;

        if (get_manifest(p, reference, &data, &len, &ct, &digest, err) < 0)
                return -1;
        if (image_manifest_parse(data, len, ct, &m, err) < 0)
                return eng_err_wrap(err, "the manifest of '%s:%s'", p->ref.path, reference);
        if (image_manifest_is_index(&m)) {
                const char *os = p->opts->os ? p->opts->os : "linux";
                const char *arch = p->opts->arch ? p->opts->arch : eng_platform_arch(NULL);
                const struct image_descriptor *d =
                        image_index_select(&m, os, arch, p->opts->variant, err);
                _cleanup_free_ char *sub = NULL;

                if (!d) {
                        image_manifest_release(&m);
                        return -1;
                }
                sub = eng_xstrdup(d->digest);
                image_manifest_release(&m);
                /* the index is kept, so the next pull of this tag needs no GET */
                if (storage_blob_put(p->store, digest, data, len, err) < 0)
                        return -1;
                *ret_index = TAKE_PTR(digest);
                free(TAKE_PTR(data));
                free(TAKE_PTR(ct));
                if (get_manifest(p, sub, &data, &len, &ct, &digest, err) < 0)
                        return -1;
                if (image_manifest_parse(data, len, ct, &m, err) < 0)
                        return eng_err_wrap(err, "the manifest %s", sub);
                if (image_manifest_is_index(&m)) {
                        image_manifest_release(&m);
                        return eng_err(
                                err, ENG_E_INVALID, 0,
                                "the index entry %s is another index: nested indexes are not supported",
                                sub);
                }
        }
        *ret_m = m;
        *ret_data = TAKE_PTR(data);
        *ret_len = len;
        *ret_digest = TAKE_PTR(digest);
        return 0;
}

struct memsink {
        char *data;
        size_t len;
};

static int memsink_write(void *arg, const void *data, size_t len, _unused_ struct eng_error **err)
{
        struct memsink *m = arg;

        m->data = eng_xrealloc(m->data, m->len + len + 1);
        memcpy(m->data + m->len, data, len);
        m->len += len;
        m->data[m->len] = '\0';
        return 0;
}

struct pipesink {
        int fd;
        /* the unpacker reads the bytes from the journal: the pipe only signals */
        bool signal;
        /* bytes received, in memory the parent reads too when a worker pulls */
        volatile uint64_t *done;
        /* in the parent (no worker): report progress from here */
        struct pull *report;
        const char *digest;
        struct timespec last;
};

static bool tick_due(struct timespec *last)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - last->tv_sec) * 1000 + (now.tv_nsec - last->tv_nsec) / 1000000 <
            PROGRESS_MS)
                return false;
        *last = now;
        return true;
}

static int pipesink_write(void *arg, const void *data, size_t len, struct eng_error **err)
{
        struct pipesink *ps = arg;
        int r;

        if (ps->signal) {
                /* A full pipe (EAGAIN) holds signals the unpacker has yet to read. */
                r = write(ps->fd, "", 1) < 0 && errno != EAGAIN ? -errno : 0;
        } else {
                r = eng_write_all(ps->fd, data, len);
        }
        if (r < 0)
                return eng_err(err, ENG_E_SYS, -r, "feeding the unpacker");
        *ps->done += len;
        if (ps->report && tick_due(&ps->last))
                progress(ps->report, IMAGE_PULL_LAYER_BYTES, ps->digest, *ps->done);
        return 0;
}

/*
 * The journal of a blob's compressed bytes (ROOT/tmp/partial-HEX), so a pull
 * that is killed resumes where it stopped.  Locked: a second pull of the
 * same blob at the same time streams without one.  -1 when there is none.
 */
static int open_journal(struct pull *p, const char *digest, char **ret_path)
{
        const char *hex = strchr(digest, ':') + 1;
        char *path = eng_xasprintf("%s/tmp/partial-%s", p->store->root, hex);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0)
                fd = eng_close_safe(fd);
        if (fd < 0) {
                free(path);
                return -1;
        }
        *ret_path = path;
        return fd;
}

/* Download one layer straight into its unpacker; commit it when both digests check out. */
static int pull_layer(struct pull *p, const struct image_descriptor *layer, const char *diff_id,
                      const char *parent_chain, const char *chain_id, volatile uint64_t *done,
                      bool report, uint64_t *ret_size, struct eng_error **err)
{
        _cleanup_free_ char *tmp = NULL;
        struct storage_unpack_result res = { 0 };
        struct eng_userns_child child;
        struct eng_error *dl_err = NULL, *cleanup_err = NULL;
        _cleanup_free_ char *journal_path = NULL;
        _cleanup_close_ int journal = -1, data = -1;
        uint64_t kept = 0;
        struct pipesink ps;
        struct stat st;
        int fds[2];
        int r;

        tmp = storage_tmpdir(p->store, "layer", err);
        if (!tmp)
                return -1;
        if (pipe2(fds, O_CLOEXEC) < 0) {
                r = eng_err(err, ENG_E_SYS, errno, "creating a pipe");
                goto fail;
        }
        /*
         * With a journal, the unpacker reads the bytes from it as they land
         * and the pipe only signals: one copy of the stream fewer.
         */
        journal = open_journal(p, layer->digest, &journal_path);
        if (journal >= 0 && fstat(journal, &st) == 0 && (uint64_t) st.st_size > layer->size &&
            ftruncate(journal, 0) < 0)
                journal = eng_close_safe(journal); /* longer than the blob: not a prefix of it */
        if (journal >= 0 && fstat(journal, &st) == 0)
                kept = (uint64_t) st.st_size;
        if (journal >= 0)
                data = open(journal_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW); /* RDWR: to free it */
        if (data >= 0)
                (void) fcntl(fds[1], F_SETFL, O_NONBLOCK);
        else
                (void) fcntl(fds[1], F_SETPIPE_SZ, PIPE_SIZE);
        if (storage_layer_unpack_start(tmp, p->map, fds[0], data, diff_id, &child, err) < 0) {
                /* a journal made just now holds nothing worth keeping */
                if (journal >= 0 && fstat(journal, &st) == 0 && st.st_size == 0)
                        (void) unlink(journal_path);
                eng_close_safe(fds[0]);
                eng_close_safe(fds[1]);
                r = -1;
                goto fail;
        }
        eng_close_safe(fds[0]);
        ps = (struct pipesink){ .fd = fds[1],
                                .signal = data >= 0,
                                .done = done,
                                .report = report ? p : NULL,
                                .digest = layer->digest };
        data = eng_close_safe(data);
        if (report)
                progress(p, IMAGE_PULL_LAYER_START, layer->digest, layer->size);
        r = image_registry_get_blob(p->reg, p->ref.path, layer->digest, layer->size, journal,
                                    pipesink_write, &ps, &dl_err);
        /*
         * The journal is kept for the next pull only when the network broke
         * off.  A blob whole and verified loses it before the unpacker hears
         * the end: a journal with no name is one it may free as it reads.
         */
        if (r == 0 && journal >= 0)
                (void) unlink(journal_path);
        eng_close_safe(fds[1]);
        if (r < 0) {
                struct eng_error *child_err = NULL;

                /*
                 * EPIPE: the unpacker stopped first (a hostile entry, a full
                 * disk) and its error is the one that explains.  Otherwise
                 * the download failed and the unpacker only saw a cut stream.
                 */
                if (dl_err->errnum != EPIPE)
                        (void) kill(child.pid, SIGKILL);
                if (eng_userns_wait(&child, &child_err) < 0 && dl_err->errnum == EPIPE) {
                        eng_err_free(dl_err);
                        dl_err = child_err;
                        eng_err_wrap(&dl_err, "unpacking layer %s", layer->digest);
                        /* the bytes an earlier pull kept may be the bad ones */
                        if (kept > 0)
                                eng_err_wrap(
                                        &dl_err,
                                        "resuming from the first %llu bytes, a partial download an earlier pull left (dropped now: pull again)",
                                        (unsigned long long) kept);
                } else {
                        eng_err_free(child_err);
                }
        }
        if (journal >= 0 && r < 0 && dl_err->kind != ENG_E_REMOTE)
                (void) unlink(journal_path);
        journal = eng_close_safe(journal);
        if (r < 0) {
                *err = dl_err;
                goto fail;
        }
        if (storage_layer_unpack_finish(tmp, &child, &res, err) < 0) {
                r = eng_err_wrap(err, "unpacking layer %s", layer->digest);
                goto fail;
        }
        if (res.overflow > 0) {
                _cleanup_free_ char *w = eng_xasprintf(
                        "layer %s: %llu files belong to ids outside your subordinate range (the first: '%s'); they are owned by nobody (65534), and their real owner is kept in the user.containers.override_stat attribute",
                        layer->digest, (unsigned long long) res.overflow, res.first_overflow);
                progress(p, IMAGE_PULL_WARNING, w, 0);
        }
        {
                _cleanup_json_ json_t *info = json_pack(
                        "{s:s, s:s, s:s?, s:s, s:s, s:I, s:I}", "chain_id", chain_id, "diff_id",
                        res.diff_id, "parent", parent_chain, "compressed_digest", layer->digest,
                        "media_type", layer->media_type ? layer->media_type : "", "size",
                        (json_int_t) res.size, "compressed_size", (json_int_t) layer->size);
                if (storage_layer_commit(p->store, tmp, chain_id, info, err) < 0) {
                        r = -1;
                        goto fail;
                }
        }
        if (report)
                progress(p, IMAGE_PULL_LAYER_DONE, layer->digest, layer->size);
        *ret_size = res.size;
        storage_unpack_result_release(&res);
        return 0;

fail:
        storage_unpack_result_release(&res);
        if (storage_remove_tree(p->store, tmp, &cleanup_err) < 0)
                eng_err_warn_and_free(&cleanup_err);
        return r < 0 ? r : -1;
}

/* The config blob from the store, when it is there and whole. */
static bool config_from_store(struct pull *p, const struct image_descriptor *d, struct memsink *cfg)
{
        _cleanup_free_ char *digest = NULL;
        struct eng_error *e = NULL;
        char *data = NULL;
        size_t len = 0;

        if (storage_blob_get(p->store, d->digest, CONFIG_MAX, &data, &len, &e) < 0) {
                eng_err_free(e);
                return false;
        }
        digest = eng_digest_of(data, len);
        if (strcmp(digest, d->digest) != 0) {
                free(data);
                return false;
        }
        cfg->data = data;
        cfg->len = len;
        return true;
}

/* One running layer worker. */
struct worker {
        pid_t pid;
        int fd; /* its error pipe; EOF when it is done */
        size_t layer;
};

/*
 * Wait for one of @w (@n running) to end; removes it from @w.  Its error, if
 * any, in *err.  Meanwhile the workers' progress (in @done, shared memory)
 * is reported every PROGRESS_MS.
 */
static int reap_one(struct pull *p, const struct image_manifest *m, volatile uint64_t *done,
                    struct worker *w, size_t *n, struct eng_error **err)
{
        struct pollfd fds[PARALLEL_LAYERS];
        size_t k;
        int status, r;

        for (k = 0; k < *n; k++)
                fds[k] = (struct pollfd){ .fd = w[k].fd, .events = POLLIN };
        while ((r = poll(fds, *n, PROGRESS_MS)) <= 0) {
                if (r < 0 && errno != EINTR)
                        return eng_err(err, ENG_E_SYS, errno, "waiting for the layer workers");
                for (k = 0; k < *n; k++)
                        progress(p, IMAGE_PULL_LAYER_BYTES, m->layers[w[k].layer].digest,
                                 done[w[k].layer]);
        }
        for (k = 0; k < *n && !fds[k].revents; k++)
                ;
        if (k == *n)
                k = 0;
        bool failed = eng_err_recv(w[k].fd, err) > 0;
        size_t layer = w[k].layer;

        eng_close_safe(w[k].fd);
        status = eng_wait_child(w[k].pid);
        w[k] = w[--*n];
        if (failed)
                return -1;
        if (status != 0)
                return eng_err(err, ENG_E_SYS, 0, "a layer worker ended with status %d", status);
        progress(p, IMAGE_PULL_LAYER_DONE, m->layers[layer].digest, m->layers[layer].size);
        return 0;
}

/*
 * Pull every layer not stored yet.  Each goes to a worker process of its
 * own (a fork, so no thread shares curl or OpenSSL state with another), up
 * to PARALLEL_LAYERS at once: the network and both cores are kept busy.
 */
static int pull_layers(struct pull *p, const struct image_manifest *m, json_t *diff_ids,
                       char **chains, struct eng_error **err)
{
        struct worker w[PARALLEL_LAYERS];
        size_t running = 0, missing = 0;
        /* bytes received per layer, written by the workers, read here */
        size_t shared_len = (m->nlayers ? m->nlayers : 1) * sizeof(uint64_t);
        volatile uint64_t *done =
                mmap(NULL, shared_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        int r = 0;

        if (done == MAP_FAILED)
                return eng_err(err, ENG_E_SYS, errno, "mapping the progress counters");

        for (size_t i = 0; i < m->nlayers; i++) {
                if (storage_layer_exists(p->store, chains[i]))
                        progress(p, IMAGE_PULL_LAYER_EXISTS, m->layers[i].digest,
                                 m->layers[i].size);
                else
                        missing++;
        }
        for (size_t i = 0; i < m->nlayers && r == 0; i++) {
                const char *diff_id = json_string_value(json_array_get(diff_ids, i));
                uint64_t size;
                int fds[2];
                pid_t pid;

                if (storage_layer_exists(p->store, chains[i]))
                        continue;
                if (missing == 1) {
                        /* one layer: no worker needed */
                        r = pull_layer(p, &m->layers[i], diff_id, i ? chains[i - 1] : NULL,
                                       chains[i], &done[i], true, &size, err);
                        if (r < 0)
                                eng_err_wrap(err, "pulling layer %zu of %zu", i + 1, m->nlayers);
                        break;
                }
                if (running == PARALLEL_LAYERS && (r = reap_one(p, m, done, w, &running, err)) < 0)
                        break;
                if (pipe2(fds, O_CLOEXEC) < 0) {
                        r = eng_err(err, ENG_E_SYS, errno, "creating a pipe");
                        break;
                }
                fflush(stderr);
                pid = fork();
                if (pid < 0) {
                        r = eng_err(err, ENG_E_SYS, errno, "forking a layer worker");
                        eng_close_safe(fds[0]);
                        eng_close_safe(fds[1]);
                        break;
                }
                if (pid == 0) {
                        struct eng_error *e = NULL;

                        eng_close_safe(fds[0]);
                        for (size_t k = 0; k < running; k++)
                                eng_close_safe(w[k].fd);
                        (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                        image_registry_forked(p->reg);
                        if (pull_layer(p, &m->layers[i], diff_id, i ? chains[i - 1] : NULL,
                                       chains[i], &done[i], false, &size, &e) < 0) {
                                eng_err_wrap(&e, "pulling layer %zu of %zu", i + 1, m->nlayers);
                                eng_err_send(fds[1], e);
                                _exit(1);
                        }
                        _exit(0);
                }
                eng_close_safe(fds[1]);
                w[running++] = (struct worker){ .pid = pid, .fd = fds[0], .layer = i };
                progress(p, IMAGE_PULL_LAYER_START, m->layers[i].digest, m->layers[i].size);
        }
        while (running > 0) {
                struct eng_error *e = NULL;

                if (r < 0) {
                        /* one failed: stop the others (their leftovers go below) */
                        for (size_t k = 0; k < running; k++)
                                (void) kill(w[k].pid, SIGTERM);
                }
                if (reap_one(p, m, done, w, &running, &e) < 0 && r == 0) {
                        *err = e;
                        r = -1;
                        continue;
                }
                eng_err_free(e);
        }
        munmap((void *) done, shared_len);
        /* what the workers stopped half way left in tmp/ (they are reaped: gone) */
        if (r < 0 && p->map)
                storage_store_clean_tmp(p->store);
        return r;
}

static int pull_resolved(struct pull *p, char **ret_id, struct eng_error **err)
{
        _cleanup_free_ char *mdata = NULL, *mdigest = NULL, *full = NULL, *index = NULL;
        _cleanup_strv_ char **chains = NULL;
        _cleanup_json_ json_t *config = NULL, *image = NULL;
        struct memsink cfg = { 0 };
        struct image_manifest m = { 0 };
        json_t *diff_ids, *layers;
        json_error_t jerr;
        uint64_t total = 0;
        size_t mlen = 0;
        int r = -1;

        if (fetch_manifest(p, &m, &mdata, &mlen, &mdigest, &index, err) < 0)
                return -1;
        progress(p, IMAGE_PULL_CONFIG, m.config.digest, m.config.size);
        if (m.config.size > CONFIG_MAX) {
                eng_err(err, ENG_E_INVALID, 0,
                        "the image config is %llu bytes; at most %d are accepted",
                        (unsigned long long) m.config.size, CONFIG_MAX);
                goto out;
        }
        if (!config_from_store(p, &m.config, &cfg) &&
            image_registry_get_blob(p->reg, p->ref.path, m.config.digest, m.config.size, -1,
                                    memsink_write, &cfg, err) < 0)
                goto out;
        config = json_loadb(cfg.data ? cfg.data : "", cfg.len, 0, &jerr);
        if (!json_is_object(config)) {
                eng_err(err, ENG_E_INVALID, 0, "the image config %s is not valid JSON: %s",
                        m.config.digest, config ? "not an object" : jerr.text);
                goto out;
        }
        diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
        if (!json_is_array(diff_ids) || json_array_size(diff_ids) != m.nlayers) {
                eng_err(err, ENG_E_INVALID, 0,
                        "the image config lists %zu layers (rootfs.diff_ids), the manifest %zu",
                        json_array_size(diff_ids), m.nlayers);
                goto out;
        }

        chains = eng_xcalloc(m.nlayers + 1, sizeof(char *));
        for (size_t i = 0; i < m.nlayers; i++) {
                const char *diff_id = json_string_value(json_array_get(diff_ids, i));

                if (!diff_id || !image_digest_valid(diff_id)) {
                        eng_err(err, ENG_E_INVALID, 0,
                                "rootfs.diff_ids[%zu] of the image config is not a digest", i);
                        goto out;
                }
                chains[i] = storage_chain_id(i ? chains[i - 1] : NULL, diff_id);
        }
        if (pull_layers(p, &m, diff_ids, chains, err) < 0)
                goto out;

        layers = json_array();
        for (size_t i = 0; i < m.nlayers; i++) {
                _cleanup_json_ json_t *info = storage_layer_info(p->store, chains[i], err);

                if (!info) {
                        json_decref(layers);
                        goto out;
                }
                total += (uint64_t) json_integer_value(json_object_get(info, "size"));
                json_array_append_new(layers, json_string(chains[i]));
        }

        if (storage_blob_put(p->store, mdigest, mdata, mlen, err) < 0 ||
            storage_blob_put(p->store, m.config.digest, cfg.data ? cfg.data : "", cfg.len, err) <
                    0) {
                json_decref(layers);
                goto out;
        }
        full = image_ref_string(&p->ref);
        {
                _cleanup_free_ char *repo_digest = eng_xasprintf("%s@%s", p->repo_name, mdigest);
                json_t *names = json_array();

                if (p->ref.tag)
                        json_array_append_new(names, json_string(full));
                image = json_pack(
                        "{s:s, s:o, s:[s], s:s, s:s?, s:s, s:o, s:s?, s:s?, s:s?, s:I, s:I}", "id",
                        m.config.digest, "names", names, "digests", repo_digest, "manifest",
                        mdigest, "index", index, "config", m.config.digest, "layers", layers,
                        "created", json_string_value(json_object_get(config, "created")),
                        "architecture", json_string_value(json_object_get(config, "architecture")),
                        "os", json_string_value(json_object_get(config, "os")), "size",
                        (json_int_t) total, "pulled", (json_int_t) time(NULL));
        }
        if (storage_image_put(p->store, image, err) < 0)
                goto out;
        *ret_id = eng_xstrdup(m.config.digest);
        r = 0;
out:
        free(cfg.data);
        image_manifest_release(&m);
        return r;
}

int image_pull(struct storage_store *store, const struct eng_idmap *map, const char *name,
               const struct image_pull_options *opts, char **ret_id, struct eng_error **err)
{
        static const char *const default_registries[] = { "docker.io", NULL };
        const char *const *registries =
                opts->search_registries ? opts->search_registries : default_registries;
        struct image_registry_options ro = { .tls_verify = opts->tls_verify,
                                             .creds = opts->creds,
                                             .home = opts->home };
        struct pull p = { .store = store, .map = map, .opts = opts };
        bool is_short = false;
        int r = -1;

        /* A dead unpacker must give EPIPE on the pipe, not kill us. */
        signal(SIGPIPE, SIG_IGN);
        /* No garbage collection may take our layers before the image record names them. */
        if (storage_store_hold(store, err) < 0)
                return -1;
        if (image_ref_parse(name, &p.ref, &is_short, err) < 0)
                return -1;
        for (size_t i = 0; is_short ? registries[i] != NULL : i == 0; i++) {
                struct eng_error *e = NULL;
                _cleanup_free_ char *full = NULL;

                if (is_short)
                        image_ref_set_domain(&p.ref, registries[i]);
                full = image_ref_string(&p.ref);
                progress(&p, IMAGE_PULL_RESOLVED, full, 0);
                free(p.repo_name);
                p.repo_name = image_ref_name(&p.ref);
                ro.tls_verify =
                        opts->tls_verify &&
                        !eng_strv_contains((char *const *) opts->insecure_registries, p.ref.domain);
                ro.stall_seconds = opts->stall_seconds;
                p.reg = image_registry_new(p.ref.domain, &ro, &e);
                r = p.reg ? pull_resolved(&p, ret_id, &e) : -1;
                p.reg = image_registry_free(p.reg);
                if (r == 0)
                        break;
                /* A short name goes on to the next registry when this one does not have it. */
                if (is_short && registries[i + 1] && e->kind == ENG_E_NOTFOUND) {
                        eng_log_debug("'%s': %s", full, e->msg);
                        eng_err_free(e);
                        continue;
                }
                *err = e;
                eng_err_wrap(err, "pulling '%s'", full);
                break;
        }
        free(p.repo_name);
        image_ref_release(&p.ref);
        return r;
}
