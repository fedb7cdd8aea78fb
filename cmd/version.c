/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <seccomp.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/platform.h"
#include "common/xalloc.h"
#include "image/curl-dl.h"

#include "common/banned.h"

/* the compiler eng was built with, where podman names its Go */
#ifdef __clang__
#        define ENG_COMPILER "clang " __clang_version__
#else
#        define ENG_COMPILER "gcc " __VERSION__
#endif

/*
 * podman's fields (its "Client", and info's "version"): the API eng serves (none until 'eng
 * system service' exists) and Go (eng is C) are empty, not made up.
 */
json_t *cmd_version_json(void)
{
        const struct scmp_version *sv = seccomp_version();
        _cleanup_free_ char *seccomp = eng_xasprintf("%u.%u.%u", sv->major, sv->minor, sv->micro);
        _cleanup_free_ char *osarch = eng_xasprintf("linux/%s", eng_platform_arch(NULL));
        time_t built = (time_t) ENG_BUILT;
        char built_text[64] = "";
        struct tm tm;

        struct eng_error *e = NULL;
        const char *curl = "not installed";

        if (image_curl_open(&e) == 0)
                curl = curl_version_info(CURLVERSION_NOW)->version;
        eng_err_free(e);
        /* Go's time.ANSIC, as podman writes it */
        if (localtime_r(&built, &tm))
                strftime(built_text, sizeof(built_text), "%a %b %e %H:%M:%S %Y", &tm);
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:{s:s, s:s, s:s, s:s}}",
                         "APIVersion", "", "Version", PACKAGE_VERSION, "GoVersion", "", "Compiler",
                         ENG_COMPILER, "BuiltTime", built_text, "Built", (json_int_t) built,
                         "OsArch", osarch, "Os", "linux", "Libraries", "libcurl", curl, "jansson",
                         jansson_version_str(), "openssl", OpenSSL_version(OPENSSL_VERSION),
                         "libseccomp", seccomp);
}

int cmd_version(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        enum cmd_format format = CMD_FORMAT_HUMAN;
        struct cmd_template *template = NULL;
        _cleanup_json_ json_t *j = NULL;
        const char *key;
        json_t *v;
        int r = cmd_parse_format_only(
                cmd, argc, argv, "'json' for JSON, or a Go template like '{{.Client.Version}}'",
                &format, &template, err);

        if (r != 0)
                return r < 0 ? r : 0;
        j = cmd_version_json();
        if (format == CMD_FORMAT_TEMPLATE) {
                /* podman's '{{.Client.Version}}', and '{{.Version}}' for short */
                _cleanup_json_ json_t *rows = json_pack("[o]", json_copy(j));

                json_object_set(json_array_get(rows, 0), "Client", j);
                r = cmd_template_print(template, rows, NULL, err);
                cmd_template_free(template);
                return r;
        }
        if (format == CMD_FORMAT_JSON) {
                _cleanup_json_ json_t *out = json_pack("{s:O}", "Client", j);

                return cmd_print_json(out, err);
        }

        /* podman's lines, in its order; scripts read them */
        printf("Client:       eng\n");
        printf("Version:      %s\n", json_string_value(json_object_get(j, "Version")));
        printf("API Version:  none (eng serves no API yet)\n");
        printf("Go Version:   none (eng is C, built by %s)\n", ENG_COMPILER);
        printf("Built:        %s\n", json_string_value(json_object_get(j, "BuiltTime")));
        printf("OS/Arch:      %s\n", json_string_value(json_object_get(j, "OsArch")));
        printf("Libraries:\n");
        json_object_foreach(json_object_get(j, "Libraries"), key, v)
                printf("  %-11s %s\n", key, json_string_value(v));
        return 0;
}
