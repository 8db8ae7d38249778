/*
 * tests/e2e/syslog_shim.c: an LD_PRELOAD library that writes a program's
 * syslog(3) lines to the file named by $SPF_E2E_SYSLOG_FILE.
 *
 * The e2e tests run a private Sendmail, which logs only through syslog(3)
 * (Postfix has maillog_file), and a test machine may have no syslog daemon:
 * without this shim, Sendmail's account of a failed test (milter errors
 * included) would be lost. The file name is read in a constructor because
 * Sendmail clears its environment early in main(). Debian builds Sendmail with
 * _FORTIFY_SOURCE, so it calls __syslog_chk(), defined here too. The loader
 * honours LD_PRELOAD only for a binary that is not set-user/group-ID; the
 * private copy of Sendmail has lost its setgid bit (fetch-sendmail.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static char log_file[1024];
static char log_ident[64] = "syslog";

__attribute__((constructor)) static void read_log_file_name(void) {
    const char* name = getenv("SPF_E2E_SYSLOG_FILE");
    if (name != NULL) snprintf(log_file, sizeof log_file, "%s", name);
}

void openlog(const char* ident, int option, int facility) {
    (void)option;
    (void)facility;
    if (ident != NULL) snprintf(log_ident, sizeof log_ident, "%s", ident);
}

void closelog(void) {}

/* One line per call, written with one write(2): lines of concurrent
 * processes never interleave. */
void vsyslog(int priority, const char* format, va_list args) {
    int saved_errno = errno; /* for %m */
    char line[4096];
    size_t length;
    struct tm now;
    time_t seconds = time(NULL);
    int fd;

    if (log_file[0] == '\0') return;
    localtime_r(&seconds, &now);
    length = strftime(line, sizeof line, "%H:%M:%S ", &now);
    length += (size_t)snprintf(line + length, sizeof line - length, "%s[%ld] <%d>: ", log_ident, (long)getpid(),
                               priority & LOG_PRIMASK);
    errno = saved_errno;
    if (length < sizeof line) length += (size_t)vsnprintf(line + length, sizeof line - length, format, args);
    if (length > sizeof line - 2) length = sizeof line - 2;
    line[length++] = '\n';
    fd = open(log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        if (write(fd, line, length) < 0) { /* nowhere left to report it */
        }
        close(fd);
    }
    errno = saved_errno;
}

void syslog(int priority, const char* format, ...) {
    va_list args;
    va_start(args, format);
    vsyslog(priority, format, args);
    va_end(args);
}

void __vsyslog_chk(int priority, int flag, const char* format, va_list args) {
    (void)flag;
    vsyslog(priority, format, args);
}

void __syslog_chk(int priority, int flag, const char* format, ...) {
    va_list args;
    (void)flag;
    va_start(args, format);
    vsyslog(priority, format, args);
    va_end(args);
}
