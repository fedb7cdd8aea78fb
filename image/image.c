/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "image/image.h"
#include "image/reference.h"
#include "storage/container.h"

#include "common/banned.h"

#define CONFIG_MAX (8 * 1024 * 1024)

static bool is_hex(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

static bool names_contain(json_t *names, const char *s)
{
        size_t i;
        json_t *v;

        json_array_foreach(names, i, v) {
                if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
                        return true;
        }
        return false;
}

/* "a/b/c:tag" ends with "/" + @suffix ("c:tag", "b/c:tag") */
static bool name_ends_with(const char *name, const char *suffix)
{
        size_t n = strlen(name), k = strlen(suffix);

        return n > k && name[n - k - 1] == '/' && strcmp(name + n - k, suffix) == 0;
}

/*
 * What a short name must end with: "busybox" -> "busybox:latest",
 * "eng-test/busybox:1" -> "eng-test/busybox:1".  Heap string.
 */
static char *short_suffix(const char *name, const struct image_ref *ref)
{
        const char *path = ref->path;

        if (!strchr(name, '/') && strncmp(path, "library/", 8) == 0)
                path += 8;
        return ref->tag ? eng_xasprintf("%s:%s", path, ref->tag) : eng_xstrdup(path);
}

json_t *image_lookup(struct storage_store *s, const char *name, struct eng_error **err)
{
        _cleanup_json_ json_t *list = storage_image_list(s, err);
        _cleanup_free_ char *full = NULL, *suffix = NULL;
        _cleanup_strbuf_ struct eng_strbuf candidates = ENG_STRBUF_INIT;
        struct image_ref ref = { 0 };
        struct eng_error *perr = NULL;
        json_t *img, *found = NULL;
        bool is_short = false;
        size_t i, nfound = 0;
        const char *hex = strncmp(name, "sha256:", 7) == 0 ? name + 7 : name;

        if (!list)
                return NULL;
        /* An image ID, or a unique prefix of one. */
        if (is_hex(hex) && strlen(hex) <= 64) {
                json_array_foreach(list, i, img) {
                        const char *id = json_string_value(json_object_get(img, "id"));
                        if (strncmp(id + 7, hex, strlen(hex)) == 0) {
                                found = img;
                                nfound++;
                        }
                }
                if (nfound == 1)
                        return json_incref(found);
                if (nfound > 1) {
                        eng_err(err, ENG_E_USAGE, 0,
                                "'%s' is the prefix of several image IDs; give more of it", name);
                        return NULL;
                }
        }
        if (image_ref_parse(name, &ref, &is_short, &perr) < 0) {
                eng_err_free(perr);
                eng_err(err, ENG_E_NOTFOUND, 0, "%s: image not known", name);
                return NULL;
        }
        full = image_ref_string(&ref);
        json_array_foreach(list, i, img) {
                if (names_contain(json_object_get(img, "names"), full) ||
                    (ref.digest && !ref.tag &&
                     names_contain(json_object_get(img, "digests"), full))) {
                        image_ref_release(&ref);
                        return json_incref(img);
                }
                /* name:tag@digest: the digest decides */
                if (ref.digest && ref.tag) {
                        _cleanup_free_ char *n = image_ref_name(&ref);
                        _cleanup_free_ char *d = eng_xasprintf("%s@%s", n, ref.digest);
                        if (names_contain(json_object_get(img, "digests"), d)) {
                                image_ref_release(&ref);
                                return json_incref(img);
                        }
                }
        }
        if (is_short) {
                /* "busybox" or "eng-test/busybox:1": the repository's last components */
                suffix = short_suffix(name, &ref);
                json_array_foreach(list, i, img) {
                        size_t k;
                        json_t *v;
                        json_array_foreach(json_object_get(img, "names"), k, v) {
                                const char *nm = json_string_value(v);
                                if (nm && name_ends_with(nm, suffix)) {
                                        eng_strbuf_addf(&candidates, "%s'%s'",
                                                        candidates.len ? ", " : "", nm);
                                        if (found != img)
                                                nfound++;
                                        found = img;
                                }
                        }
                }
                if (nfound == 1) {
                        image_ref_release(&ref);
                        return json_incref(found);
                }
                if (nfound > 1) {
                        image_ref_release(&ref);
                        eng_err(err, ENG_E_USAGE, 0, "'%s' could be %s; give the full name", name,
                                eng_strbuf_str(&candidates));
                        return NULL;
                }
        }
        image_ref_release(&ref);
        eng_err(err, ENG_E_NOTFOUND, 0, "%s: image not known", name);
        return NULL;
}

/* The name of @img that @name stands for, if it names one rather than the ID. */
static const char *matching_name(json_t *img, const char *name)
{
        struct image_ref ref = { 0 };
        struct eng_error *e = NULL;
        _cleanup_free_ char *full = NULL, *suffix = NULL;
        const char *found = NULL;
        bool is_short = false;
        size_t i;
        json_t *v;

        if (image_ref_parse(name, &ref, &is_short, &e) < 0) {
                eng_err_free(e);
                return NULL;
        }
        full = image_ref_string(&ref);
        suffix = is_short && !ref.digest ? short_suffix(name, &ref) : NULL;
        image_ref_release(&ref);
        json_array_foreach(json_object_get(img, "names"), i, v) {
                const char *nm = json_string_value(v);

                if (nm && strcmp(nm, full) == 0)
                        return nm;
                if (nm && suffix && !found && name_ends_with(nm, suffix))
                        found = nm;
        }
        return found;
}

/* The digested name of @img that @name ("repo@sha256:...") stands for. */
static const char *matching_digest(json_t *img, const char *name)
{
        struct image_ref ref = { 0 };
        struct eng_error *e = NULL;
        _cleanup_free_ char *full = NULL;
        size_t i;
        json_t *v;

        if (image_ref_parse(name, &ref, NULL, &e) < 0) {
                eng_err_free(e);
                return NULL;
        }
        if (ref.digest && !ref.tag)
                full = image_ref_string(&ref);
        image_ref_release(&ref);
        json_array_foreach(json_object_get(img, "digests"), i, v)
                if (full && json_is_string(v) && strcmp(json_string_value(v), full) == 0)
                        return json_string_value(v);
        return NULL;
}

int image_remove(struct storage_store *s, const char *name, bool force, json_t *report,
                 struct eng_error **err)
{
        _cleanup_json_ json_t *img = image_lookup(s, name, err);
        const char *id, *nm;
        json_t *names;

        if (!img)
                return -1;
        id = json_string_value(json_object_get(img, "id"));
        names = json_object_get(img, "names");
        /* "repo@sha256:..." drops that reference only, as docker's rmi does,
         * while the image has another name or digest to be known by */
        nm = matching_digest(img, name);
        if (nm && json_array_size(names) + json_array_size(json_object_get(img, "digests")) > 1) {
                _cleanup_free_ char *line = eng_xasprintf("Untagged: %s", nm);
                if (storage_image_untag(s, id, nm, err) < 0)
                        return -1;
                json_array_append_new(report, json_string(line));
                return 0;
        }
        if (!nm)
                nm = matching_name(img, name);
        if (nm && json_array_size(names) > 1) {
                _cleanup_free_ char *line = eng_xasprintf("Untagged: %s", nm);
                if (storage_image_untag(s, id, nm, err) < 0)
                        return -1;
                json_array_append_new(report, json_string(line));
                return 0;
        }
        if (!nm && json_array_size(names) > 1 && !force)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "unable to delete image %.12s (must force): it has %zu names; remove them one by one or use -f",
                        id + 7, json_array_size(names));
        {
                _cleanup_json_ json_t *cs = storage_container_list(s, err);
                size_t i;
                json_t *c;

                if (!cs)
                        return -1;
                json_array_foreach(cs, i, c) {
                        const char *cid = json_string_value(json_object_get(c, "id"));

                        if (!json_equal(json_object_get(c, "image_id"), json_object_get(img, "id")))
                                continue;
                        if (!force)
                                return eng_err(
                                        err, ENG_E_USAGE, 0,
                                        "image %.12s is in use by container %.12s (%s): remove the container first, or use -f to remove the image's names and record (the container keeps its layers)",
                                        id + 7, cid ? cid : "?",
                                        json_string_value(json_object_get(c, "name")));
                }
        }
        {
                size_t i;
                json_t *v;
                json_array_foreach(names, i, v) {
                        _cleanup_free_ char *line =
                                eng_xasprintf("Untagged: %s", json_string_value(v));
                        json_array_append_new(report, json_string(line));
                }
        }
        if (storage_image_delete(s, id, err) < 0)
                return -1;
        {
                _cleanup_free_ char *line = eng_xasprintf("Deleted: %s", id + 7);
                json_array_append_new(report, json_string(line));
        }
        return 0;
}

int image_untag(struct storage_store *s, const char *name, char **names, struct eng_error **err)
{
        _cleanup_json_ json_t *img = image_lookup(s, name, err);
        _cleanup_strv_ char **drop = NULL;
        const char *id;
        size_t i;
        json_t *v;

        if (!img)
                return -1;
        id = json_string_value(json_object_get(img, "id"));
        if (!names || !*names)
                json_array_foreach(json_object_get(img, "names"), i, v)
                        eng_strv_push(&drop, json_string_value(v));
        /* every name is checked before any goes */
        ENG_STRV_FOREACH(n, names) {
                const char *nm = matching_name(img, *n);

                if (!nm)
                        return eng_err(err, ENG_E_NOTFOUND, 0, "%s: tag not known (image %.12s)",
                                       *n, id + 7);
                eng_strv_push(&drop, nm);
        }
        ENG_STRV_FOREACH(n, drop)
                if (storage_image_untag(s, id, *n, err) < 0)
                        return -1;
        return 0;
}

int image_tag(struct storage_store *s, const char *name, const char *target, struct eng_error **err)
{
        _cleanup_json_ json_t *img = image_lookup(s, name, err);
        _cleanup_free_ char *full = NULL;
        struct image_ref ref;
        bool is_short;

        if (!img)
                return -1;
        if (image_ref_parse(target, &ref, &is_short, err) < 0)
                return -1;
        if (ref.digest) {
                image_ref_release(&ref);
                return eng_err(err, ENG_E_USAGE, 0, "'%s': a tag cannot name a digest", target);
        }
        /* A short name given as a tag lives in "localhost/", as podman puts it. */
        if (is_short) {
                free(ref.domain);
                ref.domain = eng_xstrdup("localhost");
                if (!strchr(target, '/') && strncmp(ref.path, "library/", 8) == 0)
                        memmove(ref.path, ref.path + 8, strlen(ref.path + 8) + 1);
        }
        full = image_ref_string(&ref);
        image_ref_release(&ref);
        json_object_set_new(img, "names", json_pack("[s]", full));
        json_object_set_new(img, "digests", json_array());
        return storage_image_put(s, img, err);
}

json_t *image_inspect(struct storage_store *s, const char *name, struct eng_error **err)
{
        _cleanup_json_ json_t *img = image_lookup(s, name, err);
        _cleanup_json_ json_t *config = NULL;
        _cleanup_free_ char *data = NULL;
        json_t *out, *lower, *diff_ids;
        const char *id;
        size_t len = 0, i;

        if (!img)
                return NULL;
        id = json_string_value(json_object_get(img, "id"));
        if (storage_blob_get(s, json_string_value(json_object_get(img, "config")), CONFIG_MAX,
                             &data, &len, err) < 0)
                return NULL;
        config = json_loadb(data, len, 0, NULL);
        if (!json_is_object(config)) {
                eng_err(err, ENG_E_INVALID, 0,
                        "the config of image %.12s is damaged; pull it again", id + 7);
                return NULL;
        }
        lower = json_array();
        json_t *layers = json_object_get(img, "layers");
        for (i = json_array_size(layers); i-- > 0;) {
                _cleanup_free_ char *dir =
                        storage_layer_dir(s, json_string_value(json_array_get(layers, i)));
                _cleanup_free_ char *diff = eng_xasprintf("%s/diff", dir);
                json_array_append_new(lower, json_string(diff));
        }
        diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
        out = json_pack(
                "{s:s, s:s?, s:O, s:O, s:s, s:s, s:s?, s:O?, s:s, s:s?, s:s?, s:s?, s:I, s:I, s:{s:s, s:{s:o}}, s:{s:s, s:O?}, s:O?, s:O?}",
                "Id", id + 7, "Digest", json_string_value(json_object_get(img, "manifest")),
                "RepoTags", json_object_get(img, "names"), "RepoDigests",
                json_object_get(img, "digests"), "Parent", "", "Comment", "", "Created",
                json_string_value(json_object_get(config, "created")), "Config",
                json_object_get(config, "config"), "Version", "", "Author",
                json_string_value(json_object_get(config, "author")), "Architecture",
                json_string_value(json_object_get(config, "architecture")), "Os",
                json_string_value(json_object_get(config, "os")), "Size",
                json_integer_value(json_object_get(img, "size")), "VirtualSize",
                json_integer_value(json_object_get(img, "size")), "GraphDriver", "Name", "overlay",
                "Data", "LowerDir", lower, "RootFS", "Type", "layers", "Layers", diff_ids,
                "History", json_object_get(config, "history"), "Labels",
                json_object_get(json_object_get(config, "config"), "Labels"));
        if (!out)
                eng_err(err, ENG_E_INVALID, 0,
                        "the config of image %.12s is damaged; pull it again", id + 7);
        return out;
}

int image_prune(struct storage_store *s, bool all, json_t *ret_ids, struct eng_error **err)
{
        _cleanup_json_ json_t *list = storage_image_list(s, err);
        _cleanup_json_ json_t *containers = NULL;
        json_t *img, *c;
        size_t i, k;

        if (!list)
                return -1;
        containers = storage_container_list(s, err);
        if (!containers)
                return -1;
        json_array_foreach(list, i, img) {
                const char *id = json_string_value(json_object_get(img, "id"));
                bool used = false;

                if (!all && json_array_size(json_object_get(img, "names")) > 0)
                        continue;
                json_array_foreach(containers, k, c)
                        used = used || json_equal(json_object_get(c, "image_id"),
                                                  json_object_get(img, "id"));
                if (used)
                        continue;
                if (storage_image_delete(s, id, err) < 0)
                        return -1;
                json_array_append_new(ret_ids, json_string(id));
        }
        return 0;
}
