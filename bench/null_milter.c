/* bench/null_milter.c: the floor of the milter benchmarks. A libmilter filter
 * that does nothing: every stage answers "continue", one header is inserted
 * at the end of each message (as an SPF milter would), the body and unknown
 * commands are not negotiated. What it costs is what libmilter itself costs.
 *
 *   null_milter -p SOCKET [--nodelay] [--no-data]
 *
 * SOCKET as libmilter spells it (unix:PATH, inet:PORT@127.0.0.1). --nodelay
 * sets TCP_NODELAY on the listening socket, which Linux copies to every
 * accepted connection (libmilter hands out no per-connection descriptor);
 * without it, libmilter's defaults. --no-data leaves out the DATA callback,
 * and SMFIP_NODATA is negotiated (the MTA then sends DATA's macros
 * without waiting for a reply). Stops on SIGTERM or SIGINT. */
#include <libmilter/mfapi.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static sfsistat on_connect(SMFICTX* ctx, char* host, struct sockaddr* address) {
    (void)ctx, (void)host, (void)address;
    return SMFIS_CONTINUE;
}

static sfsistat on_helo(SMFICTX* ctx, char* helo) {
    (void)ctx, (void)helo;
    return SMFIS_CONTINUE;
}

static sfsistat on_envelope(SMFICTX* ctx, char** argv) {
    (void)ctx, (void)argv;
    return SMFIS_CONTINUE;
}

static sfsistat on_header(SMFICTX* ctx, char* name, char* value) {
    (void)ctx, (void)name, (void)value;
    return SMFIS_CONTINUE;
}

static sfsistat on_stage(SMFICTX* ctx) {
    (void)ctx;
    return SMFIS_CONTINUE;
}

static sfsistat on_end_of_message(SMFICTX* ctx) {
    if (smfi_insheader(ctx, 0, "X-Null-Milter", "seen") != MI_SUCCESS) return SMFIS_TEMPFAIL;
    return SMFIS_CONTINUE;
}

static int data_callback = 1;

/* Only what a filter that never looks at the body or unknown commands asks. */
static sfsistat on_negotiate(SMFICTX* ctx, unsigned long actions, unsigned long steps, unsigned long unused2,
                             unsigned long unused3, unsigned long* our_actions, unsigned long* our_steps,
                             unsigned long* flags2, unsigned long* flags3) {
    (void)ctx, (void)unused2, (void)unused3;
    *our_actions = actions & SMFIF_ADDHDRS;
    *our_steps = steps & (SMFIP_NOBODY | SMFIP_NOUNKNOWN | (data_callback ? 0 : SMFIP_NODATA));
    *flags2 = 0;
    *flags3 = 0;
    return SMFIS_CONTINUE;
}

/* The listening TCP socket libmilter opened: the only accepting AF_INET or
 * AF_INET6 stream socket among our descriptors (we open none ourselves). */
static int set_nodelay_on_listener(void) {
    int set = 0;
    for (int fd = 0; fd < 1024; ++fd) {
        int accepting = 0;
        socklen_t length = sizeof accepting;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) != 0 || !accepting) continue;
        struct sockaddr_storage address;
        length = sizeof address;
        if (getsockname(fd, (struct sockaddr*)&address, &length) != 0) continue;
        if (address.ss_family != AF_INET && address.ss_family != AF_INET6) continue;
        const int on = 1;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) return -1;
        ++set;
    }
    return set;
}

int main(int argc, char** argv) {
    const char* socket_spec = NULL;
    int nodelay = 0;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "-p") == 0 && i + 1 < argc)
            socket_spec = argv[++i];
        else if (strcmp(argv[i], "--nodelay") == 0)
            nodelay = 1;
        else if (strcmp(argv[i], "--no-data") == 0)
            data_callback = 0;
        else
            socket_spec = NULL, i = argc;
    }
    if (socket_spec == NULL) {
        fprintf(stderr, "usage: null_milter -p SOCKET [--nodelay] [--no-data]\n");
        return 2;
    }

    struct smfiDesc description;
    memset(&description, 0, sizeof description);
    description.xxfi_name = "null_milter";
    description.xxfi_version = SMFI_VERSION;
    description.xxfi_flags = SMFIF_ADDHDRS;
    description.xxfi_connect = on_connect;
    description.xxfi_helo = on_helo;
    description.xxfi_envfrom = on_envelope;
    description.xxfi_envrcpt = on_envelope;
    description.xxfi_header = on_header;
    description.xxfi_eoh = on_stage;
    description.xxfi_eom = on_end_of_message;
    description.xxfi_data = data_callback ? on_stage : NULL;
    description.xxfi_negotiate = on_negotiate;

    /* 500 sessions connect at once in the hold test: a short backlog refuses some. */
    if (smfi_setconn((char*)socket_spec) != MI_SUCCESS || smfi_setbacklog(1024) != MI_SUCCESS ||
        smfi_register(description) != MI_SUCCESS || smfi_opensocket(1) != MI_SUCCESS) {
        fprintf(stderr, "null_milter: cannot listen on %s\n", socket_spec);
        return 1;
    }
    if (nodelay && set_nodelay_on_listener() <= 0) {
        fprintf(stderr, "null_milter: TCP_NODELAY not set (not a TCP socket?)\n");
        return 1;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
