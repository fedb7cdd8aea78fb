/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_IMAGE_CURL_DL_H
#define ENG_IMAGE_CURL_DL_H

/*
 * libcurl, opened when eng first talks to a registry rather than when eng
 * starts.  Debian's libcurl brings GnuTLS, Kerberos, LDAP, SSH and RTMP
 * with it; loading them costs `eng run` of a stored image some 3 MiB of
 * resident memory and milliseconds of relocations for nothing.
 *
 * Include this instead of <curl/curl.h>: the curl_* calls below become calls
 * through the table image_curl_open() fills.  Call it (it is cheap after the
 * first time) before any of them.
 */

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "common/error.h"

struct image_curl_api {
        CURLcode (*global_init)(long flags);
        CURL *(*easy_init)(void);
        CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
        CURLcode (*easy_perform)(CURL *curl);
        CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
        void (*easy_cleanup)(CURL *curl);
        void (*easy_reset)(CURL *curl);
        const char *(*easy_strerror)(CURLcode code);
        char *(*easy_escape)(CURL *curl, const char *s, int len);
        void (*free)(void *p);
        struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
        void (*slist_free_all)(struct curl_slist *l);
        curl_version_info_data *(*version_info)(CURLversion v);
};

extern struct image_curl_api image_curl;

/**
 * image_curl_open() - load libcurl.so.4 and its functions, once
 * Return: 0, or negative with *err naming the package to install.
 */
int image_curl_open(struct eng_error **err);

#define curl_global_init image_curl.global_init
#define curl_easy_init   image_curl.easy_init
#undef curl_easy_setopt
#define curl_easy_setopt  image_curl.easy_setopt
#define curl_easy_perform image_curl.easy_perform
#undef curl_easy_getinfo
#define curl_easy_getinfo   image_curl.easy_getinfo
#define curl_easy_cleanup   image_curl.easy_cleanup
#define curl_easy_reset     image_curl.easy_reset
#define curl_easy_strerror  image_curl.easy_strerror
#define curl_easy_escape    image_curl.easy_escape
#define curl_free           image_curl.free
#define curl_slist_append   image_curl.slist_append
#define curl_slist_free_all image_curl.slist_free_all
#define curl_version_info   image_curl.version_info

#endif
