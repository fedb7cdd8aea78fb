/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>

#include "image/curl-dl.h"

#include "common/banned.h"

struct image_curl_api image_curl;

int image_curl_open(struct eng_error **err)
{
        static const struct {
                const char *name;
                size_t offset;
        } syms[] = {
#define SYM(field, name) { name, offsetof(struct image_curl_api, field) }
                SYM(global_init, "curl_global_init"),   SYM(easy_init, "curl_easy_init"),
                SYM(easy_setopt, "curl_easy_setopt"),   SYM(easy_perform, "curl_easy_perform"),
                SYM(easy_getinfo, "curl_easy_getinfo"), SYM(easy_cleanup, "curl_easy_cleanup"),
                SYM(easy_reset, "curl_easy_reset"),     SYM(easy_strerror, "curl_easy_strerror"),
                SYM(easy_escape, "curl_easy_escape"),   SYM(free, "curl_free"),
                SYM(slist_append, "curl_slist_append"), SYM(slist_free_all, "curl_slist_free_all"),
                SYM(version_info, "curl_version_info"),
#undef SYM
        };
        static bool loaded;
        void *h;

        if (loaded)
                return 0;
        h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return eng_err(err, ENG_E_SYS, 0,
                               "loading libcurl: %s (install the Debian package libcurl4)",
                               dlerror());
        for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
                void *f = dlsym(h, syms[i].name);

                if (!f)
                        return eng_err(err, ENG_E_SYS, 0, "libcurl has no '%s': %s", syms[i].name,
                                       dlerror());
                /* POSIX: a function pointer and void * convert both ways */
                *(void **) ((char *) &image_curl + syms[i].offset) = f;
        }
        loaded = true;
        return 0;
}
