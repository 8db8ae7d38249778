/* bench/libspf2_peer.c: times libspf2 (Debian's libspf2) on the checks of
 * bench/pyspf_peer.py, with its default DNS stack: the resolv layer (libc's
 * resolver, so the servers of /etc/resolv.conf, port 53) under its in-process
 * cache, as SPF_server_new(SPF_DNS_CACHE, 0) builds it. bench/compare.sh runs
 * it in private mount and network namespaces where resolv.conf names
 * 127.0.0.1 and spf-test-dns serves bench/provider.zone there.
 *   libspf2_peer < CASES     (one "NAME IP SENDER HELO" a line)
 * Each case is checked once to fill the cache, then timed for at least a
 * second and 100 checks, each with a new request, as a milter makes one per
 * message. Prints JSON: per case the nanoseconds per check and the result. */
/* spf2/spf.h uses the socket and resolver types without including their headers. */
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <spf2/spf.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e9 + (double)now.tv_nsec;
}

/* One MAIL FROM check; the result, or SPF_RESULT_INVALID if the request was refused. */
static SPF_result_t check(SPF_server_t* server, const char* ip, const char* sender, const char* helo) {
    SPF_request_t* request = SPF_request_new(server);
    SPF_response_t* response = NULL;
    SPF_result_t result = SPF_RESULT_INVALID;
    const SPF_errcode_t address =
        strchr(ip, ':') ? SPF_request_set_ipv6_str(request, ip) : SPF_request_set_ipv4_str(request, ip);
    if (address == SPF_E_SUCCESS && SPF_request_set_helo_dom(request, helo) == SPF_E_SUCCESS &&
        SPF_request_set_env_from(request, sender) == 0) {
        SPF_request_query_mailfrom(request, &response);
        if (response) result = SPF_response_result(response);
    }
    if (response) SPF_response_free(response);
    SPF_request_free(request);
    return result;
}

int main(void) {
    SPF_server_t* server = SPF_server_new(SPF_DNS_CACHE, 0);
    if (!server) {
        fputs("libspf2_peer: SPF_server_new failed\n", stderr);
        return 1;
    }
    char name[128], ip[64], sender[256], helo[256];
    const char* separator = "{";
    while (scanf("%127s %63s %255s %255s", name, ip, sender, helo) == 4) {
        SPF_result_t result = check(server, ip, sender, helo); /* fills the cache */
        long rounds = 0;
        const double started = now_ns();
        double elapsed = 0;
        do {
            result = check(server, ip, sender, helo);
            ++rounds;
            elapsed = now_ns() - started;
        } while (elapsed < 1e9 || rounds < 100);
        printf("%s\"%s\":{\"ns\":%.1f,\"result\":\"%s\"}", separator, name, elapsed / (double)rounds,
               result == SPF_RESULT_INVALID ? "invalid" : SPF_strresult(result));
        separator = ",";
    }
    printf("%s}\n", *separator == '{' ? "{" : "");
    SPF_server_free(server);
    return 0;
}
