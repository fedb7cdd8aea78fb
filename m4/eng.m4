dnl ENG_CHECK_CFLAGS(FLAG...): append each flag the C compiler accepts to
dnl ENG_CFLAGS.  A flag is tried with -Werror so that a compiler that only
dnl warns about an unknown flag (clang) does not get it.
AC_DEFUN([ENG_CHECK_CFLAGS], [
  for eng_flag in m4_normalize([$1]); do
    AS_VAR_PUSHDEF([eng_cv], [eng_cv_cflag_$eng_flag])
    AC_CACHE_CHECK([whether $CC accepts $eng_flag], [eng_cv], [
      eng_save_CFLAGS=$CFLAGS
      CFLAGS="$CFLAGS -Werror $eng_flag"
      AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
                        [AS_VAR_SET([eng_cv], [yes])], [AS_VAR_SET([eng_cv], [no])])
      CFLAGS=$eng_save_CFLAGS])
    AS_VAR_IF([eng_cv], [yes], [ENG_CFLAGS="$ENG_CFLAGS $eng_flag"])
    AS_VAR_POPDEF([eng_cv])
  done
])

dnl ENG_CHECK_LDFLAGS(FLAG...): the same for the linker, into ENG_LDFLAGS.
AC_DEFUN([ENG_CHECK_LDFLAGS], [
  for eng_flag in m4_normalize([$1]); do
    AS_VAR_PUSHDEF([eng_cv], [eng_cv_ldflag_$eng_flag])
    AC_CACHE_CHECK([whether the linker accepts $eng_flag], [eng_cv], [
      eng_save_LDFLAGS=$LDFLAGS
      LDFLAGS="$LDFLAGS -Werror $eng_flag"
      AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
                     [AS_VAR_SET([eng_cv], [yes])], [AS_VAR_SET([eng_cv], [no])])
      LDFLAGS=$eng_save_LDFLAGS])
    AS_VAR_IF([eng_cv], [yes], [ENG_LDFLAGS="$ENG_LDFLAGS $eng_flag"])
    AS_VAR_POPDEF([eng_cv])
  done
])

dnl ENG_REQUIRE_PKG(VAR, MODULE, DEBIAN-PACKAGE): pkg-config check that
dnl fails naming the Debian package to install.
AC_DEFUN([ENG_REQUIRE_PKG], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [AC_MSG_ERROR([$2 not found (pkg-config): install the Debian package $3])])
])
