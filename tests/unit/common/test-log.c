/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>

#include "common/log.h"
#include "tests/unit/harness.h"

static int fds[2];

static void capture(void)
{
        ck_assert_int_eq(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
        eng_log_set_fd(fds[1]);
}

static const char *captured(void)
{
        static char buf[1024];
        ssize_t n = read(fds[0], buf, sizeof(buf) - 1);

        buf[n > 0 ? n : 0] = '\0';
        return buf;
}

START_TEST(test_parse_levels)
{
        enum eng_log_level l;

        ck_assert_int_eq(eng_log_level_parse("error", &l), 0);
        ck_assert_int_eq(l, ENG_LOG_ERROR);
        ck_assert_int_eq(eng_log_level_parse("warn", &l), 0);
        ck_assert_int_eq(l, ENG_LOG_WARN);
        ck_assert_int_eq(eng_log_level_parse("warning", &l), 0);
        ck_assert_int_eq(l, ENG_LOG_WARN);
        ck_assert_int_eq(eng_log_level_parse("info", &l), 0);
        ck_assert_int_eq(l, ENG_LOG_INFO);
        ck_assert_int_eq(eng_log_level_parse("debug", &l), 0);
        ck_assert_int_eq(l, ENG_LOG_DEBUG);
        ck_assert_int_eq(eng_log_level_parse("loud", &l), -EINVAL);
        ck_assert_int_eq(eng_log_level_parse("", &l), -EINVAL);
}
END_TEST

START_TEST(test_level_filters)
{
        capture();
        eng_log_set_level(ENG_LOG_WARN);
        eng_log_debug("hidden %d", 1);
        eng_log_info("hidden too");
        ck_assert_str_eq(captured(), "");
        eng_log_warn("shown %s", "here");
        ck_assert_str_eq(captured(), "eng: warning: shown here\n");
        eng_log_set_level(ENG_LOG_DEBUG);
        eng_log_debug("now %d", 2);
        ck_assert_str_eq(captured(), "eng: debug: now 2\n");
        eng_log_set_level(ENG_LOG_ERROR);
        eng_log_warn("dropped");
        eng_log_error("kept");
        ck_assert_str_eq(captured(), "eng: error: kept\n");
}
END_TEST

START_TEST(test_no_colour_on_pipe)
{
        capture();
        eng_log_set_level(ENG_LOG_INFO);
        eng_log_info("plain");
        ck_assert_ptr_null(strchr(captured(), '\033'));
}
END_TEST

START_TEST(test_trace)
{
        capture();
        setenv("ENG_TRACE", "fuse,registry", 1);
        ck_assert(eng_trace_enabled("registry"));
        ck_assert(eng_trace_enabled("fuse"));
        ck_assert(!eng_trace_enabled("slirp"));
        ck_assert(!eng_trace_enabled("reg"));
        eng_log_set_level(ENG_LOG_ERROR);
        eng_trace("registry", "GET %s", "/v2/");
        ck_assert_str_eq(captured(), "eng: [registry]: GET /v2/\n");
        eng_trace("slirp", "not traced");
        ck_assert_str_eq(captured(), "");
        setenv("ENG_TRACE", "all", 1);
        ck_assert(eng_trace_enabled("slirp"));
        unsetenv("ENG_TRACE");
        ck_assert(!eng_trace_enabled("registry"));
}
END_TEST

int main(void)
{
        Suite *s = suite_create("log");
        TCase *tc = tcase_create("levels");

        tcase_add_test(tc, test_parse_levels);
        tcase_add_test(tc, test_level_filters);
        tcase_add_test(tc, test_no_colour_on_pipe);
        suite_add_tcase(s, tc);
        tc = tcase_create("trace");
        tcase_add_test(tc, test_trace);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
