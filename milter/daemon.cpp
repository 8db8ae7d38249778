// milter/daemon.cpp: see daemon.hpp.
// Start-up order: the log; signals blocked before any thread exists (so only
// libmilter's signal thread receives them); the user looked up (unknown: refuse to
// start); the resolver built; the socket prepared and bound; its owner set; the
// pid file written; privileges dropped; the reload thread started; then
// smfi_main(). SIGHUP and SIGUSR1 reach us through __wrap_sigwait (signals.hpp):
// each posts a reload request, and the reload thread rebuilds and swaps the
// Runtime. At stop, and after a failed start, the socket and the pid file are
// removed; what cannot be removed is logged.
#include "milter/daemon.hpp"

#include "milter/callbacks.hpp"
#include "milter/config_warnings.hpp"
#include "milter/log.hpp"
#include "milter/memory.hpp"
#include "milter/metrics.hpp"
#include "milter/metrics_file.hpp"
#include "milter/metrics_server.hpp"
#include "milter/process.hpp"
#include "milter/quick_ack.hpp"
#include "milter/runtime.hpp"
#include "milter/sanitize.hpp"
#include "milter/service_notify.hpp"
#include "milter/signals.hpp"
#include "milter/tcp_listener.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <mutex>
#include <thread>

namespace milter {

namespace {

ReloadRequests reload_requests;  // posted by the signal thread, read by the reload thread

// The configuration generation and the last reload's outcome, for STATUS=;
// written by the reload thread, read by the status refresher.
class ReloadHistory {
public:
    explicit ReloadHistory(std::uint64_t generation) : generation_(generation) {}
    void record(bool reloaded, std::uint64_t generation) {
        const std::lock_guard lock(mutex_);
        generation_ = generation;
        last_ = std::string(reloaded ? "ok" : "failed") + " at " + local_time_now();
    }
    ServiceStatus status(const SessionCounts& sessions) {
        const std::lock_guard lock(mutex_);
        return {generation_, last_, sessions.open_now(), sessions.transactions.load(std::memory_order_relaxed)};
    }

private:
    static std::string local_time_now() {
        const std::time_t now = std::time(nullptr);
        std::tm parts{};
        localtime_r(&now, &parts);
        char text[32] = {};
        std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &parts);
        return text;
    }

    std::mutex mutex_;
    std::uint64_t generation_;
    std::string last_;  // empty until the first reload
};

std::chrono::microseconds monotonic_now() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch());
}

void reload_loop(RuntimeHolder& runtimes, const ConfigSource& source, Logger& log, ReloadHistory& history,
                 const SessionCounts& sessions) {
    while (std::optional<ReloadRequest> request = reload_requests.wait()) {
        notify_service(reloading_message(monotonic_now()));
        std::string asked_by;
        for (const ReloadRequester& requester : request->requesters)
            asked_by += (asked_by.empty() ? " (asked by pid " : ", ") + std::to_string(requester.pid());
        if (!asked_by.empty()) asked_by += ")";
        log.info(std::string(signal_name(request->signal_number)) + asked_by + ": reloading " + source.path);
        const ReloadOutcome outcome = runtimes.reload(source, make_ldns_resolver);
        const auto runtime = runtimes.current();
        ReloadAnswer answer{outcome.reloaded, runtime->generation, !outcome.ignored.empty()};
        if (!outcome.reloaded) {
            log.error("reload failed, keeping the previous configuration: " + outcome.error);
        } else {
            log.configure(runtime->config.log_level, runtime->config.syslog_facility);
            for (const std::string& key : outcome.ignored)
                log.warning("reload: a new " + key + " takes effect only after a restart");
            std::string cache;
            if (outcome.cache_kept)
                cache = "; the DNS cache is kept (" + std::to_string(runtime->cache->stats().entries) + " answers)";
            else if (runtime->cache)
                cache = "; a new, empty DNS cache (the DNS settings changed)";
            log.info("reloaded " + runtime->config.source + " (generation " + std::to_string(runtime->generation) +
                     "); connections already open keep the previous configuration" + cache);
        }
        history.record(outcome.reloaded, runtime->generation);
        metrics().reloaded(outcome.reloaded);
        notify_service(ready_message(history.status(sessions)));
        for (const ReloadRequester& requester : request->requesters)
            if (!requester.answer(answer))
                log.warning("could not answer pid " + std::to_string(requester.pid()) + " about the reload");
    }
}

std::string render_metrics(const Daemon& daemon) {
    const auto runtime = daemon.runtimes.current();
    MetricsGauges gauges;
    gauges.sessions_open = daemon.sessions.open_now();
    gauges.generation = runtime->generation;
    if (runtime->cache) gauges.cache_stats = runtime->cache->stats();
    return metrics().render(gauges);
}

struct Started {
    std::optional<UserIds> user;
    std::unique_ptr<MetricsServer> metrics_server;
    bool socket_bound = false;  // a unix socket file of ours exists
    bool pid_file_written = false;
};

// Everything before smfi_main() that can fail; returns the exit status or 0.
int start(const Config& config, Daemon& daemon, Started& started) {
    Logger& log = daemon.log;
    if (!config.user.empty()) {
        auto user = lookup_user(config.user);
        if (auto* error = std::get_if<std::string>(&user)) {
            log.fatal("key 'user': " + *error);
            return exit_config;
        }
        started.user = std::get<UserIds>(user);
    }
    const bool unix_socket = config.socket.kind == SocketSpec::Kind::unix_path;
    if (unix_socket) {
        if (auto error = prepare_unix_socket(config.socket.path, started.user)) {
            log.fatal(*error);
            return exit_failure;
        }
    }
    // A unix socket is born with socket_mode (process.hpp); no thread exists yet
    // that could create another file under this umask.
    const mode_t previous_umask = umask(socket_umask(config.socket_mode));
    auto opened = open_milter_socket(daemon, config.socket, config.listen_backlog);
    umask(previous_umask);
    if (opened) {
        const std::string reason = listen_failure_reason(config.socket);
        log.fatal(*opened + (reason.empty() ? "" : ": " + reason));
        return exit_failure;
    }
    started.socket_bound = unix_socket;
    if (!unix_socket) {
        // Every reply leaves at once (tcp_listener.hpp): no 40 ms Nagle stall per message.
        const auto nodelay = set_nodelay_on_listeners(config.socket.port);
        if (const auto* error = std::get_if<std::string>(&nodelay))
            log.warning("TCP_NODELAY not set on " + config.socket.text + ": " + *error);
        else if (std::get<unsigned>(nodelay) == 0)
            log.warning("TCP_NODELAY not set: no listening socket found for " + config.socket.text);
        else
            log.debug("TCP_NODELAY set on the listening socket of " + config.socket.text);
    }
    if (unix_socket) {
        if (auto error = set_socket_permissions(config.socket.path, config.socket_mode, started.user)) {
            log.fatal(*error);
            return exit_failure;
        }
    }
    // Bound as root, like the milter socket: a port below 1024 works too.
    if (config.metrics_listen) {
        auto server = MetricsServer::start(config.metrics_listen->host, config.metrics_listen->port,
                                           [&daemon] { return render_metrics(daemon); });
        if (auto* error = std::get_if<std::string>(&server)) {
            log.fatal(*error);
            return exit_failure;
        }
        started.metrics_server = std::move(std::get<std::unique_ptr<MetricsServer>>(server));
    }
    if (!config.pid_file.empty()) {
        if (auto error = write_pid_file(config.pid_file, started.user)) {
            log.fatal(*error);
            return exit_failure;
        }
        started.pid_file_written = true;
    }
    if (started.user) {
        if (auto error = drop_privileges(*started.user)) {
            log.fatal(*error);
            return exit_failure;
        }
    }
    return exit_ok;
}

// The files start() made. With `user`, the daemon is no longer root: in a
// directory it cannot write to, they stay, and the log says so.
void remove_files(const Config& config, const Started& started, Logger& log) {
    if (started.pid_file_written) {
        if (auto error = remove_at_stop(config.pid_file, "pid file")) log.warning(*error);
    }
    if (started.socket_bound) {
        if (auto error = remove_at_stop(config.socket.path, "socket")) log.warning(*error);
    }
}

}  // namespace

int run_daemon(const Options& options, Config config) {
    Logger log(options.log_to_stderr ? Logger::Destination::standard_error : Logger::Destination::syslog,
               config.log_level, config.syslog_facility);
    block_daemon_signals();
    limit_malloc_arenas(std::thread::hardware_concurrency());
    auto built = build_runtime(config, make_ldns_resolver);
    if (auto* error = std::get_if<std::string>(&built)) {
        log.fatal(*error);
        return exit_failure;
    }
    RuntimeHolder runtimes(std::get<std::shared_ptr<const Runtime>>(std::move(built)));
    SessionCounts sessions;
    Daemon daemon{runtimes, log, sessions};
    Started started;
    if (const int status = start(config, daemon, started); status != exit_ok) {
        remove_files(config, started, log);
        return status;
    }

    const MemoryTrimmer trimmer(sessions, std::chrono::seconds(5));
    ReloadHistory history(runtimes.current()->generation);
    const StatusRefresher refresher([&] { return history.status(sessions); }, std::chrono::seconds(10));
    std::optional<MetricsFileWriter> metrics_file;
    if (!config.metrics_file.empty())
        metrics_file.emplace(
            config.metrics_file, std::chrono::seconds(config.metrics_interval_s),
            [&daemon] { return render_metrics(daemon); }, log);
    std::thread reloader(reload_loop, std::ref(runtimes), std::cref(options.config_source), std::ref(log),
                         std::ref(history), std::cref(sessions));
    log.info("started " + version_text().substr(0, version_text().size() - 1) + ": " + config.source + ", socket " +
             config.socket.text + (started.user ? ", user " + started.user->name : "") +
             (config.dry_run ? ", dry run" : ""));
    for (const std::string& warning : config_warnings(config)) log.warning(warning);
    if (started.metrics_server) log.info("metrics served at http://" + config.metrics_listen->text + "/metrics");
    if (metrics_file)
        log.info("metrics written to " + config.metrics_file + " every " + std::to_string(config.metrics_interval_s) +
                 " s");
    // The socket is bound and privileges are dropped: the MTA may connect (it
    // waits in the listen queue until smfi_main() accepts).
    notify_service(ready_message(history.status(sessions)));
    const bool ok = run_milter();
    notify_service(stopping_message());  // once more, if libmilter stopped by itself
    reload_requests.stop();
    reloader.join();
    remove_files(config, started, log);
    log.info(ok ? "stopped" : "stopped after a libmilter failure");
    return ok ? exit_ok : exit_failure;
}

}  // namespace milter

// libmilter's signal thread calls sigwait(); the link option -Wl,--wrap=sigwait
// (milter/CMakeLists.txt) sends those calls here. See signals.hpp.
// It waits with sigwaitinfo() instead, which also says who sent a signal.
extern "C" int __wrap_sigwait(const sigset_t* set, int* signal_number) {
    const int status =
        milter::sigwait_passing_reloads(sigwaitinfo, set, signal_number, [](const milter::ReloadSignal& signal) {
            milter::reload_requests.post(signal.signal_number, signal.requester != 0
                                                                   ? milter::ReloadRequester::open(signal.requester)
                                                                   : std::nullopt);
        });
    // Anything else libmilter waits for stops it: tell systemd at once, before
    // libmilter waits for the sessions still open.
    if (status == 0) milter::notify_service(milter::stopping_message());
    return status;
}

// libmilter's listener accept()s and its workers read() the MTA's commands; the
// link options -Wl,--wrap=accept,--wrap=read send those calls here, so that TCP
// connections acknowledge each read at once (quick_ack.hpp).
extern "C" int __real_accept(int socket, sockaddr* address, socklen_t* length);
extern "C" int __wrap_accept(int socket, sockaddr* address, socklen_t* length) {
    const int accepted = __real_accept(socket, address, length);
    if (accepted >= 0) {
        const int saved = errno;  // libmilter sees accept()'s own errno, untouched
        milter::note_accepted(accepted);
        errno = saved;
    }
    return accepted;
}
extern "C" ssize_t __real_read(int fd, void* buffer, size_t size);
extern "C" ssize_t __wrap_read(int fd, void* buffer, size_t size) {
    const ssize_t got = __real_read(fd, buffer, size);
    if (got > 0) {
        const int saved = errno;
        milter::acknowledge_read(fd);
        errno = saved;
    }
    return got;
}
