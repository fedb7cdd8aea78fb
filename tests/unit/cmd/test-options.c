/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "tests/unit/harness.h"

static const struct cmd_desc test_cmd = {
        .name = "info",
        .usage = "eng info [options]",
        .description = "test\n",
};

static const struct cmd_option opts[] = {
        { "format", required_argument, 'f', "FORMAT", "the format" },
        { "quiet", no_argument, 'q', NULL, "quiet" },
        { 0 },
};

struct seen {
        const char *format;
        int quiet;
};

static int on_opt(int val, const char *arg, void *data, struct eng_error **err)
{
        struct seen *s = data;

        (void) err;
        if (val == 'f')
                s->format = arg;
        else if (val == 'q')
                s->quiet++;
        return 0;
}

static int parse(int argc, char **argv, struct seen *s, int *first, struct eng_error **err)
{
        return cmd_parse(&test_cmd, argc, argv, opts, on_opt, s, first, err);
}

START_TEST(test_suggest)
{
        const char *const names[] = { "info", "images", "version", "pull", "ps", "help" };

        ck_assert_str_eq(cmd_suggest("inof", names, 6), "info");
        ck_assert_str_eq(cmd_suggest("verison", names, 6), "version");
        ck_assert_str_eq(cmd_suggest("ver", names, 6), "version");
        ck_assert_str_eq(cmd_suggest("pul", names, 6), "pull");
        ck_assert_ptr_null(cmd_suggest("zzzzzz", names, 6));
        ck_assert_ptr_null(cmd_suggest("", names, 6));
}
END_TEST

START_TEST(test_parse_options_and_operands)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_strv_ char **argv = TEST_ARGV("info", "-q", "extra", "--format", "json", "-qq");
        struct seen s = { 0 };
        int first = 0;

        eng_assert_ok(parse(6, argv, &s, &first, &err), err);
        ck_assert_str_eq(s.format, "json");
        ck_assert_int_eq(s.quiet, 3);
        ck_assert_int_eq(first, 5); /* operands permuted to the end */
        ck_assert_str_eq(argv[first], "extra");
}
END_TEST

START_TEST(test_unknown_long_flag_suggests)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_strv_ char **argv = TEST_ARGV("info", "--fromat", "json");
        struct seen s = { 0 };
        int first;

        eng_assert_fails(parse(3, argv, &s, &first, &err), err, ENG_E_USAGE);
        ck_assert_str_eq(
                err->msg,
                "unknown flag '--fromat' (did you mean '--format'?); see 'eng info --help'");
}
END_TEST

START_TEST(test_unknown_flag_with_value)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_strv_ char **argv = TEST_ARGV("info", "--bogus=1");
        struct seen s = { 0 };
        int first;

        eng_assert_fails(parse(2, argv, &s, &first, &err), err, ENG_E_USAGE);
        ck_assert_str_eq(err->msg, "unknown flag '--bogus'; see 'eng info --help'");
}
END_TEST

START_TEST(test_unknown_short_flag)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_strv_ char **argv = TEST_ARGV("info", "-z");
        struct seen s = { 0 };
        int first;

        eng_assert_fails(parse(2, argv, &s, &first, &err), err, ENG_E_USAGE);
        ck_assert_str_eq(err->msg, "unknown shorthand flag '-z'; see 'eng info --help'");
}
END_TEST

START_TEST(test_missing_argument)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_strv_ char **argv = TEST_ARGV("info", "--format");
        _cleanup_strv_ char **argv2 = TEST_ARGV("info", "-f");
        struct seen s = { 0 };
        int first;

        eng_assert_fails(parse(2, argv, &s, &first, &err), err, ENG_E_USAGE);
        ck_assert_str_eq(err->msg, "flag '--format' needs an argument; see 'eng info --help'");
        err = eng_err_free(err);
        eng_assert_fails(parse(2, argv2, &s, &first, &err), err, ENG_E_USAGE);
        ck_assert_str_eq(err->msg, "flag '-f' needs an argument; see 'eng info --help'");
}
END_TEST

START_TEST(test_global_options_after_command)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_strv_ char **argv = TEST_ARGV("info", "--root", "/store", "--log-level=debug",
                                               "--storage-driver", "vfs");
        struct seen s = { 0 };
        int first;

        eng_assert_ok(parse(6, argv, &s, &first, &err), err);
        ck_assert_str_eq(arg_global.root, "/store");
        ck_assert_str_eq(arg_global.storage_driver, "vfs");
        ck_assert_int_eq(eng_log_get_level(), ENG_LOG_DEBUG);
}
END_TEST

START_TEST(test_bad_global_values)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_strv_ char **a1 = TEST_ARGV("info", "--log-level", "loud");
        _cleanup_strv_ char **a2 = TEST_ARGV("info", "--storage-driver", "btrfs");
        _cleanup_strv_ char **a3 = TEST_ARGV("info", "--root", "relative");
        struct seen s = { 0 };
        int first;

        eng_assert_fails(parse(3, a1, &s, &first, &err), err, ENG_E_USAGE);
        /* podman's words; main() exits 1 for it, as podman does */
        ck_assert_ptr_nonnull(strstr(err->msg, "Log Level \"loud\" is not supported"));
        ck_assert(arg_global.log_level_refused);
        arg_global.log_level_refused = false;
        err = eng_err_free(err);
        eng_assert_fails(parse(3, a2, &s, &first, &err), err, ENG_E_USAGE);
        ck_assert_ptr_nonnull(strstr(err->msg, "unknown storage driver 'btrfs'"));
        err = eng_err_free(err);
        eng_assert_fails(parse(3, a3, &s, &first, &err), err, ENG_E_USAGE);
        ck_assert_ptr_nonnull(strstr(err->msg, "absolute path"));
}
END_TEST

START_TEST(test_format_parse)
{
        _cleanup_err_ struct eng_error *err = NULL;
        enum cmd_format f;

        eng_assert_ok(cmd_format_parse("json", &f, &err), err);
        ck_assert_int_eq(f, CMD_FORMAT_JSON);
        eng_assert_fails(cmd_format_parse("{{.Host.Arch}}", &f, &err), err, ENG_E_USAGE);
}
END_TEST

/* @format rendered with the JSON @dot: the text, or NULL with *err set */
static char *render(const char *format, const char *dot, struct eng_error **err)
{
        struct cmd_template *t = NULL;
        _cleanup_json_ json_t *j = json_loads(dot, 0, NULL);
        char *out = NULL;

        ck_assert_ptr_nonnull(j);
        if (cmd_template_parse(format, &t, err) == 0)
                (void) cmd_template_render(t, j, &out, err);
        cmd_template_free(t);
        return out;
}

START_TEST(test_templates)
{
        _cleanup_err_ struct eng_error *err = NULL;
        const char *dot =
                "{\"Names\": \"web\", \"State\": {\"Pid\": 42, \"Running\": true},"
                " \"Cmd\": [\"sleep\", \"300\"], \"Labels\": {\"b\": \"2\", \"a\": \"1\"},"
                " \"Mounts\": [{\"Destination\": \"/a\"}, {\"Destination\": \"/b\"}],"
                " \"host\": {\"arch\": \"amd64\"}, \"Size\": 1.5, \"None\": null,"
                " \"Ports\": {\"80/tcp\": [{\"HostIp\": \"\", \"HostPort\": \"8080\"}]}}";
        struct {
                const char *format, *want;
        } cases[] = {
                { "{{.Names}}", "web" },
                { "{{ .State.Pid }}", "42" },
                { "{{.State.Running}}", "true" },
                { "id={{.Names}}\\t{{.State.Pid}}\\n", "id=web\t42\n" },
                { "{{.Cmd}}", "[sleep 300]" },
                { "{{.Labels}}", "map[a:1 b:2]" },
                { "{{json .Labels}}", "{\"b\":\"2\",\"a\":\"1\"}" },
                { "{{json .Cmd}}", "[\"sleep\",\"300\"]" },
                { "{{join .Cmd \",\"}}", "sleep,300" },
                { "{{upper .Names}} {{title .Names}} {{lower .Names}}", "WEB Web web" },
                { "{{range .Mounts}}{{.Destination}};{{end}}", "/a;/b;" },
                { "{{range .Cmd}}<{{.}}>{{end}}", "<sleep><300>" },
                { "{{.Host.Arch}}", "amd64" }, /* podman's Go field names over JSON keys */
                { "{{.Size}} {{.None}}", "1.5 <nil>" },
                { "plain text", "plain text" },
                { "a  {{- .Names -}}  b", "awebb" },
                { "{{len .Cmd}} {{len .Labels}} {{len .Names}}", "2 2 3" },
                { "{{index .Labels \"b\"}} {{index .Cmd 1}}", "2 300" },
                { "{{(index .Mounts 1).Destination}}", "/b" },
                { "{{(index (index .Ports \"80/tcp\") 0).HostPort}}", "8080" },
                { "{{index .Labels \"nope\"}}", "<no value>" },
                { "{{json (index .Mounts 0)}}", "{\"Destination\":\"/a\"}" },
                { "{{range .Labels}}{{.}};{{end}}", "1;2;" },
                { "{{upper (index .Cmd 0)}}", "SLEEP" },
                { "{{range .Cmd -}}\n {{.}} {{- end}}", "sleep300" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *out = render(cases[i].format, dot, &err);

                ck_assert_msg(out, "%s: %s", cases[i].format, err ? err->msg : "");
                ck_assert_str_eq(out, cases[i].want);
        }
        /* refused, with what was not understood */
        ck_assert_ptr_null(render("{{if .Names}}x{{end}}", dot, &err));
        ck_assert_ptr_nonnull(strstr(err->msg, "'if' is not understood"));
        err = eng_err_free(err);
        ck_assert_ptr_null(render("{{.Names", dot, &err));
        ck_assert_ptr_nonnull(strstr(err->msg, "not closed"));
        err = eng_err_free(err);
        ck_assert_ptr_null(render("{{range .Cmd}}x", dot, &err));
        ck_assert_ptr_nonnull(strstr(err->msg, "without its {{end}}"));
        err = eng_err_free(err);
        ck_assert_ptr_null(render("{{end}}", dot, &err));
        err = eng_err_free(err);
        ck_assert_ptr_null(render("{{.Nope}}", dot, &err));
        ck_assert_ptr_nonnull(strstr(err->msg, "no such field"));
        err = eng_err_free(err);
        ck_assert_ptr_null(render("{{join .Names \",\"}}", dot, &err));
        ck_assert_ptr_nonnull(strstr(err->msg, "needs a list"));
        err = eng_err_free(err);
        ck_assert_ptr_null(render("{{index .Cmd 5}}", dot, &err));
        ck_assert_ptr_nonnull(strstr(err->msg, "out of range"));
        err = eng_err_free(err);
        ck_assert_ptr_null(render("{{(index .Cmd 0}}", dot, &err));
        ck_assert_ptr_nonnull(strstr(err->msg, "not closed"));
        err = eng_err_free(err);
        ck_assert_ptr_null(render("{{index .Cmd}}", dot, &err));
        ck_assert_ptr_nonnull(strstr(err->msg, "index takes 2 arguments or more"));
        err = eng_err_free(err);
        ck_assert_ptr_null(render("{{.Names | upper}}", dot, &err));
        ck_assert_ptr_nonnull(strstr(err->msg, "'|' is not understood"));
}
END_TEST

START_TEST(test_format_parse_template)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct cmd_template *t = NULL;
        enum cmd_format f;

        eng_assert_ok(cmd_format_parse_template("json", &f, &t, &err), err);
        ck_assert_int_eq(f, CMD_FORMAT_JSON);
        eng_assert_ok(cmd_format_parse_template("table", &f, &t, &err), err);
        ck_assert_int_eq(f, CMD_FORMAT_HUMAN);
        ck_assert_ptr_null(t);
        eng_assert_ok(cmd_format_parse_template("table {{.ID}}\\t{{.Names}}", &f, &t, &err), err);
        ck_assert_int_eq(f, CMD_FORMAT_TEMPLATE);
        ck_assert(cmd_template_is_table(t));
        eng_assert_ok(cmd_format_parse_template("{{.ID}}", &f, &t, &err), err);
        ck_assert(!cmd_template_is_table(t));
        cmd_template_free(t);
}
END_TEST

/* the help lines come from the table: short letters, aliases, values, continuation lines */
START_TEST(test_print_options)
{
        static const struct cmd_option t[] = {
                { "detach", no_argument, 'd', NULL, "in the background" },
                { "network", required_argument, 300, "MODE", "the network\nsecond line" },
                { "net", required_argument, 300, NULL, NULL },
                { "tls-verify", optional_argument, 301, "BOOL", "verify" },
                { "hostname", required_argument, 'h', "NAME", "host name" },
                { "a-very-long-option-name", required_argument, 302, "SOME-VALUE", "long" },
                { 0 },
        };
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        ck_assert_ptr_nonnull(f);
        cmd_print_options(f, t, true);
        fclose(f);
        ck_assert_str_eq(buf, "  -d, --detach               in the background\n"
                              "      --network, --net MODE  the network\n"
                              "                             second line\n"
                              "      --tls-verify[=BOOL]    verify\n"
                              "  -h, --hostname NAME        host name\n"
                              "      --a-very-long-option-name SOME-VALUE\n"
                              "                             long\n");
        free(buf);

        /* the global --help is -h too, unless the command has a -h of its own */
        f = open_memstream(&buf, &len);
        cmd_print_options(f, cmd_global_options, false);
        fclose(f);
        ck_assert_ptr_nonnull(strstr(buf, "  -h, --help "));
        free(buf);
        f = open_memstream(&buf, &len);
        cmd_print_options(f, cmd_global_options, true);
        fclose(f);
        ck_assert_ptr_null(strstr(buf, "-h, --help"));
        ck_assert_ptr_nonnull(strstr(buf, "      --help "));
        free(buf);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("options");
        TCase *tc = tcase_create("suggest");

        tcase_add_test(tc, test_suggest);
        suite_add_tcase(s, tc);
        tc = tcase_create("parse");
        tcase_add_test(tc, test_parse_options_and_operands);
        tcase_add_test(tc, test_unknown_long_flag_suggests);
        tcase_add_test(tc, test_unknown_flag_with_value);
        tcase_add_test(tc, test_unknown_short_flag);
        tcase_add_test(tc, test_missing_argument);
        tcase_add_test(tc, test_global_options_after_command);
        tcase_add_test(tc, test_bad_global_values);
        tcase_add_test(tc, test_format_parse);
        tcase_add_test(tc, test_templates);
        tcase_add_test(tc, test_format_parse_template);
        tcase_add_test(tc, test_print_options);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
