/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <seccomp.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/platform.h"
#include "common/xalloc.h"
#include "image/curl-dl.h"

#include "common/banned.h"

json_t *cmd_version_json(void)
{
        const struct scmp_version *sv = seccomp_version();
        _cleanup_free_ char *seccomp = eng_xasprintf("%u.%u.%u", sv->major, sv->minor, sv->micro);
        _cleanup_free_ char *osarch = eng_xasprintf("linux/%s", eng_platform_arch(NULL));

        struct eng_error *e = NULL;
        const char *curl = "not installed";

        if (image_curl_open(&e) == 0)
                curl = curl_version_info(CURLVERSION_NOW)->version;
        eng_err_free(e);
        return json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "Version", PACKAGE_VERSION, "OsArch",
                         osarch, "Libraries", "libcurl", curl, "jansson", jansson_version_str(),
                         "openssl", OpenSSL_version(OPENSSL_VERSION), "libseccomp", seccomp);
}

int cmd_version(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        enum cmd_format format = CMD_FORMAT_HUMAN;
        struct cmd_template *template = NULL;
        _cleanup_json_ json_t *j = NULL;
        const char *key;
        json_t *v;
        int r = cmd_parse_format_only(cmd, argc, argv,
                                      "'json' for JSON, or a Go template like '{{.Version}}'",
                                      &format, &template, err);

        if (r != 0)
                return r < 0 ? r : 0;
        j = cmd_version_json();
        if (format == CMD_FORMAT_TEMPLATE) {
                /* '{{.Version}}', and podman's '{{.Client.Version}}' */
                _cleanup_json_ json_t *rows = json_pack("[O]", j);

                json_object_set_new(json_array_get(rows, 0), "Client", json_deep_copy(j));
                r = cmd_template_print(template, rows, NULL, err);
                cmd_template_free(template);
                return r;
        }
        if (format == CMD_FORMAT_JSON)
                return cmd_print_json(j, err);

        printf("Version:      %s\n", json_string_value(json_object_get(j, "Version")));
        printf("OS/Arch:      %s\n", json_string_value(json_object_get(j, "OsArch")));
        printf("Libraries:\n");
        json_object_foreach(json_object_get(j, "Libraries"), key, v)
                printf("  %-11s %s\n", key, json_string_value(v));
        return 0;
}
