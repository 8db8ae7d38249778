/*
 * tests/e2e/sasl_conf_shim.c: an LD_PRELOAD library that points Cyrus SASL at
 * the directory named by $SPF_E2E_SASL_CONF_DIR before a server starts it.
 *
 * The e2e tests give the private Sendmail SMTP AUTH with a Sendmail.conf and
 * a sasldb of their own. Cyrus SASL looks for Sendmail.conf only in system
 * directories (/etc/sasl2, ...), and Sendmail clears its environment early in
 * main(), so SASL_CONF_PATH cannot reach it: this shim remembers the directory
 * in a constructor and calls sasl_set_path() just before Sendmail's own
 * sasl_server_init(). (Postfix needs none of this: it reads smtpd.conf from
 * its own config directory.)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#define SASL_PATH_TYPE_CONFIG 1 /* <sasl/sasl.h>, not needed for one constant */

static char conf_dir[1024];

__attribute__((constructor)) static void read_conf_dir(void) {
    const char* dir = getenv("SPF_E2E_SASL_CONF_DIR");
    if (dir != NULL) snprintf(conf_dir, sizeof conf_dir, "%s", dir);
}

int sasl_server_init(const void* callbacks, const char* appname) {
    int (*real_init)(const void*, const char*) =
        (int (*)(const void*, const char*))dlsym(RTLD_NEXT, "sasl_server_init");
    int (*set_path)(int, const char*) = (int (*)(int, const char*))dlsym(RTLD_NEXT, "sasl_set_path");

    if (conf_dir[0] != '\0' && set_path != NULL) set_path(SASL_PATH_TYPE_CONFIG, conf_dir);
    return real_init(callbacks, appname);
}
