/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "network/tap.h"

#include "common/banned.h"

static int tap_probe_child(_unused_ void *arg, struct eng_error **err)
{
        _cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        struct ifreq ifr;

        if (fd < 0)
                return eng_err(err, ENG_E_SYS, errno, "opening /dev/net/tun");
        memset(&ifr, 0, sizeof(ifr));
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
        memcpy(ifr.ifr_name, "tap0", sizeof("tap0"));
        if (ioctl(fd, TUNSETIFF, &ifr) < 0)
                return eng_err(err, ENG_E_SYS, errno, "creating tap device 'tap0' (TUNSETIFF)");
        return 0;
}

int net_tap_probe(const struct eng_idmap *map, struct eng_error **err)
{
        _cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

        /* Checked here first: inside the namespace EACCES would hide the cause. */
        if (fd < 0)
                return eng_err(err, ENG_E_SYS, errno, "opening /dev/net/tun");
        return eng_userns_run(map, CLONE_NEWNET, tap_probe_child, NULL, err);
}
