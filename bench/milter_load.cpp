// bench/milter_load.cpp: a milter load driver. It speaks milter protocol v6 to
// any milter socket the way Postfix 3.7 does (its option negotiation, its
// commands and its default macros at each stage, the macro lists a milter asks
// for with SMFIF_SETSYMLIST), for a mix of clients read from a file, and
// measures throughput, latency per stage and per message, the verdicts against
// the expected ones, and the milter process's CPU and memory.
//
//   milter_load --socket SOCKET --mix FILE [mode] [bounds] [--nagle] [--pid PID] [--json FILE]
//
// One thread, epoll, non-blocking sockets: the driver costs a few microseconds
// per packet and is measured against the null filter (bench/null_milter.c).
// It honours what the milter negotiates: SMFIP_NO* stages are not sent,
// SMFIP_NR_* stages get no wait (the next command follows at once), progress
// replies are waited through, and header changes are taken before the final
// reply at end of message. A message refused before its end is followed by an
// ABORT, as Postfix does; a session ends with QUIT.
//
// Latency: a stage's is from its command's write to its final reply (stages
// without reply have none); a message's is from the moment it was due (the
// scheduled arrival in open loop; in closed loop the session's start for its
// first message, the previous message's end for the others) to its verdict:
// latency is never counted from when the driver got round to it (no
// coordinated omission).
#include "bench/milter_wire.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
namespace wire = milter_wire;
using wire::MacroStage;

Clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// ---------------------------------------------------------------- options

struct Options {
    std::string socket;
    std::string mix_file;
    unsigned sessions = 1;  // closed loop: sessions at once
    unsigned messages_per_session = 1;
    double rate = 0;               // open loop: sessions started per second (0: closed loop)
    unsigned max_sessions = 2000;  // open loop: at most this many at once (the rest wait, late)
    unsigned long count = 1000;    // messages at most
    double duration = 10;          // seconds of new messages at most
    bool nagle = false;
    bool split_writes = false;
    unsigned hold = 0;  // hold mode: sessions kept open
    double hold_seconds = 5;
    double after_seconds = 10;  // hold mode: RSS watched this long after the close
    long pid = 0;
    std::string json_file;
    double timeout = 30;  // seconds a reply may take
    bool quiet = false;
    bool check = true;  // compare the verdicts with the mix file's
};

[[noreturn]] void usage(const char* why) {
    if (why) std::fprintf(stderr, "milter_load: %s\n", why);
    std::fprintf(stderr,
                 "usage: milter_load --socket unix:PATH|inet:PORT@HOST --mix FILE\n"
                 "         [--sessions C] [--messages-per-session K]   closed loop (default 1 session)\n"
                 "         [--rate R] [--max-sessions M]               open loop: R sessions a second\n"
                 "         [--hold N --hold-seconds S [--after-seconds A]]  N sessions kept open\n"
                 "         [--count N] [--duration S] [--timeout S] [--nagle] [--split-writes]\n"
                 "         [--pid PID] [--json FILE] [--quiet] [--no-check]\n"
                 "  --no-check: count the verdicts, do not compare them with the mix file's (the floor)\n");
    std::exit(2);
}

Options parse_options(int argc, char** argv) {
    Options o;
    auto need = [&](int& i) -> std::string {
        if (i + 1 >= argc) usage((std::string(argv[i]) + " needs a value").c_str());
        return argv[++i];
    };
    auto number = [&](int& i) -> double {
        const std::string text = need(i);
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0' || value < 0) usage(("bad number: " + text).c_str());
        return value;
    };
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--socket")
            o.socket = need(i);
        else if (a == "--mix")
            o.mix_file = need(i);
        else if (a == "--sessions")
            o.sessions = static_cast<unsigned>(number(i));
        else if (a == "--messages-per-session")
            o.messages_per_session = static_cast<unsigned>(number(i));
        else if (a == "--rate")
            o.rate = number(i);
        else if (a == "--max-sessions")
            o.max_sessions = static_cast<unsigned>(number(i));
        else if (a == "--count")
            o.count = static_cast<unsigned long>(number(i));
        else if (a == "--duration")
            o.duration = number(i);
        else if (a == "--timeout")
            o.timeout = number(i);
        else if (a == "--nagle")
            o.nagle = true;
        else if (a == "--split-writes")
            o.split_writes = true;
        else if (a == "--hold")
            o.hold = static_cast<unsigned>(number(i));
        else if (a == "--hold-seconds")
            o.hold_seconds = number(i);
        else if (a == "--after-seconds")
            o.after_seconds = number(i);
        else if (a == "--pid")
            o.pid = static_cast<long>(number(i));
        else if (a == "--json")
            o.json_file = need(i);
        else if (a == "--quiet")
            o.quiet = true;
        else if (a == "--no-check")
            o.check = false;
        else if (a == "--help" || a == "-h")
            usage(nullptr);
        else
            usage(("unknown option " + std::string(a)).c_str());
    }
    if (o.socket.empty()) usage("--socket is required");
    if (o.mix_file.empty() && o.hold == 0) usage("--mix is required");
    if (o.sessions == 0 || o.messages_per_session == 0 || o.max_sessions == 0) usage("counts must be at least 1");
    return o;
}

// ---------------------------------------------------------------- the client mix

enum class Verdict { accept, reject, tempfail, discard, error };
constexpr const char* verdict_names[] = {"accept", "reject", "tempfail", "discard", "error"};
constexpr std::size_t verdict_count = 5;

struct MixLine {
    unsigned line_number = 0;
    std::string address;  // textual, as in the file
    bool ipv6 = false;
    std::string helo;
    std::string mail_from;  // without <>; empty: the null sender
    std::string rcpt_to;
    Verdict expected = Verdict::accept;
    std::array<unsigned long, verdict_count> seen{};
    std::vector<float> message_us;  // this client's messages' latencies
};

std::vector<MixLine> read_mix(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        std::fprintf(stderr, "milter_load: cannot read %s\n", path.c_str());
        std::exit(2);
    }
    std::vector<MixLine> lines;
    std::string text;
    unsigned number = 0;
    while (std::getline(in, text)) {
        ++number;
        if (const auto hash = text.find('#'); hash != std::string::npos) text.erase(hash);
        std::istringstream words(text);
        MixLine line;
        std::string from, expected, extra;
        if (!(words >> line.address)) continue;
        if (!(words >> line.helo >> from >> line.rcpt_to >> expected) || (words >> extra)) {
            std::fprintf(stderr, "%s:%u: want CLIENT HELO MAIL_FROM RCPT_TO accept|reject|tempfail\n", path.c_str(),
                         number);
            std::exit(2);
        }
        in6_addr v6{};
        in_addr v4{};
        if (inet_pton(AF_INET6, line.address.c_str(), &v6) == 1)
            line.ipv6 = true;
        else if (inet_pton(AF_INET, line.address.c_str(), &v4) != 1) {
            std::fprintf(stderr, "%s:%u: not an IP address: %s\n", path.c_str(), number, line.address.c_str());
            std::exit(2);
        }
        if (from.size() >= 2 && from.front() == '<' && from.back() == '>') from = from.substr(1, from.size() - 2);
        line.mail_from = from;
        if (expected == "accept")
            line.expected = Verdict::accept;
        else if (expected == "reject")
            line.expected = Verdict::reject;
        else if (expected == "tempfail")
            line.expected = Verdict::tempfail;
        else {
            std::fprintf(stderr, "%s:%u: expected verdict must be accept, reject or tempfail\n", path.c_str(), number);
            std::exit(2);
        }
        line.line_number = number;
        lines.push_back(std::move(line));
    }
    if (lines.empty()) {
        std::fprintf(stderr, "milter_load: no client in %s\n", path.c_str());
        std::exit(2);
    }
    return lines;
}

// ---------------------------------------------------------------- the milter process

struct ProcessSample {
    bool ok = false;
    double cpu_seconds = 0;  // utime + stime of all its threads, the exited ones included
    long rss_kb = 0;
    long threads = 0;
};

ProcessSample sample_process(long pid) {
    ProcessSample s;
    if (pid <= 0) return s;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!std::getline(stat, text)) return s;
    // Fields after the command (which may hold spaces) in parentheses.
    const auto close = text.rfind(')');
    if (close == std::string::npos) return s;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    unsigned long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::stoul(field);
        if (i == 15) stime = std::stoul(field);
    }
    s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    while (std::getline(status, text))
        if (text.rfind("VmRSS:", 0) == 0)
            s.rss_kb = std::atol(text.c_str() + 6);
        else if (text.rfind("Threads:", 0) == 0)
            s.threads = std::atol(text.c_str() + 8);
    s.ok = true;
    return s;
}

struct Memory {
    long start = 0, peak = 0, end = 0, after = -1, at_hold = -1;
    long threads_start = 0, threads_peak = 0;  // the milter's threads (libmilter: one per session)
};

// ---------------------------------------------------------------- statistics

enum class Stage { optneg, connect, helo, mail, rcpt, data, header, eoh, body, eom, abort, quit };
constexpr const char* stage_names[] = {"optneg", "connect", "helo", "mail", "rcpt",  "data",
                                       "header", "eoh",     "body", "eom",  "abort", "quit"};
constexpr std::size_t stage_count = 12;

struct Stats {
    std::array<std::vector<float>, stage_count> stage_us;
    std::vector<float> message_us;
    std::map<char, unsigned long> replies;  // by reply command, OPTNEG's left out
    unsigned long messages = 0;
    unsigned long sessions = 0;
    unsigned long protocol_errors = 0;
    unsigned long connect_errors = 0;
    std::vector<std::string> first_errors;
    std::optional<wire::Negotiated> negotiated;

    void error(bool protocol, std::string what) {
        (protocol ? protocol_errors : connect_errors) += 1;
        if (first_errors.size() < 10) first_errors.push_back(std::move(what));
    }
};

struct Percentiles {
    double p50 = 0, p90 = 0, p99 = 0, max = 0;
    std::size_t count = 0;
};

Percentiles percentiles(std::vector<float> values) {
    Percentiles p;
    p.count = values.size();
    if (values.empty()) return p;
    std::sort(values.begin(), values.end());
    auto at = [&](double q) {
        return static_cast<double>(values[static_cast<std::size_t>(q * static_cast<double>(values.size() - 1))]);
    };
    p.p50 = at(0.50);
    p.p90 = at(0.90);
    p.p99 = at(0.99);
    p.max = static_cast<double>(values.back());
    return p;
}

// ---------------------------------------------------------------- sessions

struct Step {
    Stage stage;
    std::vector<std::string> packets;  // the stage's macros (if any), then its command (unless not sent)
    bool reply;                        // the milter answers it
    bool new_write = false;            // starts a write of its own (Postfix's hand-over to cleanup)
};

struct Session {
    int fd = -1;
    unsigned long id = 0;
    const MixLine* client = nullptr;
    MixLine* client_stats = nullptr;
    enum class Phase { connecting, negotiating, running, holding, done } phase = Phase::connecting;
    Clock::time_point due;  // when the current message was due
    Clock::time_point stage_start;
    Clock::time_point deadline;  // of the reply awaited
    Stage waiting = Stage::optneg;
    bool awaiting = false;
    bool in_message = false;
    bool hold = false;
    bool over = false;  // the milter refused or accepted the whole connection
    unsigned messages_done = 0;
    std::uint32_t steps = 0;
    std::array<std::optional<std::string>, wire::macro_stage_count> macro_lists;
    std::deque<Step> plan;
    std::deque<std::string> out;  // pending writes
    std::size_t out_offset = 0;
    bool want_write = false;
    std::string in;
    std::size_t in_offset = 0;
    std::string queue_id;
};

class Driver {
public:
    Driver(Options options, std::vector<MixLine> mix) : o_(std::move(options)), mix_(std::move(mix)) {
        epoll_ = epoll_create1(EPOLL_CLOEXEC);
        if (epoll_ < 0) fatal("epoll_create1");
        parse_socket();
    }

    int run();

private:
    Options o_;
    std::vector<MixLine> mix_;
    int epoll_ = -1;
    bool unix_ = false;
    sockaddr_storage address_{};
    socklen_t address_length_ = 0;
    std::map<unsigned long, std::unique_ptr<Session>> sessions_;
    unsigned long next_id_ = 1;
    unsigned long next_client_ = 0;
    unsigned long messages_started_ = 0;
    Clock::time_point start_;
    Clock::time_point stop_new_;  // no new message after this
    bool stopping_ = false;
    Stats stats_;
    Memory memory_;
    std::uint64_t queue_counter_ = 0x3A4B0000000ULL;
    std::function<void()> loop_hook_;
    Clock::time_point next_wake_ = Clock::time_point::max();  // open loop: the next arrival

    [[noreturn]] static void fatal(const char* what) {
        std::fprintf(stderr, "milter_load: %s: %s\n", what, std::strerror(errno));
        std::exit(2);
    }

    void parse_socket();
    bool start_session(Clock::time_point due, bool hold);
    void close_session(Session& s);
    void fail(Session& s, bool protocol, const std::string& what);
    void begin_messages(Session& s);
    bool next_message(Session& s);
    void plan_message(Session& s);
    void advance(Session& s);
    void queue_write(Session& s, std::string bytes);
    void flush(Session& s);
    void on_readable(Session& s);
    void on_packet(Session& s, const wire::Packet& p);
    void finish_message(Session& s, Verdict v);
    void end_session(Session& s);
    void watch(Session& s);
    bool budget_left() const;
    static std::vector<std::pair<std::string, std::string>> macros_for(const Session& s, MacroStage stage);
    static std::optional<std::string> macro_value(const Session& s, std::string_view name, MacroStage stage);
    static void add_step(Session& s, Stage stage, MacroStage macro_stage, long not_sent, long no_reply,
                         std::string packet);
    void sample(bool final_sample);
    void loop_until(const std::function<bool()>& done, Clock::time_point give_up);
    int report(double elapsed, double milter_cpu, double driver_cpu, bool have_cpu);
};

void Driver::parse_socket() {
    const std::string& spec = o_.socket;
    if (spec.rfind("unix:", 0) == 0 || spec.rfind("local:", 0) == 0) {
        const std::string path = spec.substr(spec.find(':') + 1);
        sockaddr_un un{};
        if (path.size() >= sizeof un.sun_path) usage("socket path too long");
        un.sun_family = AF_UNIX;
        std::memcpy(un.sun_path, path.c_str(), path.size() + 1);
        std::memcpy(&address_, &un, sizeof un);
        address_length_ = sizeof un;
        unix_ = true;
        return;
    }
    if (spec.rfind("inet:", 0) == 0 || spec.rfind("inet6:", 0) == 0) {
        const std::string rest = spec.substr(spec.find(':') + 1);
        const auto at = rest.find('@');
        const std::string port = rest.substr(0, at);
        std::string host = at == std::string::npos ? "127.0.0.1" : rest.substr(at + 1);
        if (host == "localhost") host = "127.0.0.1";
        const auto number = static_cast<std::uint16_t>(std::atoi(port.c_str()));
        sockaddr_in v4{};
        sockaddr_in6 v6{};
        if (inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
            v4.sin_family = AF_INET;
            v4.sin_port = htons(number);
            std::memcpy(&address_, &v4, sizeof v4);
            address_length_ = sizeof v4;
        } else if (inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1) {
            v6.sin6_family = AF_INET6;
            v6.sin6_port = htons(number);
            std::memcpy(&address_, &v6, sizeof v6);
            address_length_ = sizeof v6;
        } else {
            usage("inet socket host must be an IP address");
        }
        return;
    }
    usage("socket must be unix:PATH or inet:PORT@HOST");
}

bool Driver::budget_left() const { return !stopping_ && messages_started_ < o_.count && Clock::now() < stop_new_; }

void Driver::watch(Session& s) {
    epoll_event event{};
    event.events = EPOLLIN | (s.want_write ? EPOLLOUT : 0u);
    event.data.u64 = s.id;
    if (epoll_ctl(epoll_, EPOLL_CTL_MOD, s.fd, &event) != 0) fatal("epoll_ctl");
}

bool Driver::start_session(Clock::time_point due, bool hold) {
    auto owned = std::make_unique<Session>();
    Session& s = *owned;
    s.id = next_id_++;
    s.due = due;
    s.hold = hold;
    if (!mix_.empty()) {
        MixLine& line = mix_[next_client_++ % mix_.size()];
        s.client = &line;
        s.client_stats = &line;
    }
    s.fd = ::socket(address_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s.fd < 0) {
        stats_.error(false, std::string("socket: ") + std::strerror(errno));
        return false;
    }
    if (!unix_ && !o_.nagle) {
        const int on = 1;
        setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    }
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT;
    event.data.u64 = s.id;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, s.fd, &event) != 0) fatal("epoll_ctl");
    ++stats_.sessions;
    sessions_.emplace(s.id, std::move(owned));
    if (::connect(s.fd, reinterpret_cast<const sockaddr*>(&address_), address_length_) != 0 && errno != EINPROGRESS) {
        fail(s, false, std::string("connect: ") + std::strerror(errno));
        return false;
    }
    s.want_write = true;  // EPOLLOUT tells when the connection is made
    s.deadline = Clock::now() + seconds(o_.timeout);
    return true;
}

void Driver::close_session(Session& s) {
    if (s.fd >= 0) {
        epoll_ctl(epoll_, EPOLL_CTL_DEL, s.fd, nullptr);
        ::close(s.fd);
        s.fd = -1;
    }
    s.phase = Session::Phase::done;
}

void Driver::fail(Session& s, bool protocol, const std::string& what) {
    stats_.error(protocol, "session " + std::to_string(s.id) + ": " + what);
    if (s.in_message) {
        s.in_message = false;
        if (s.client_stats) s.client_stats->seen[static_cast<std::size_t>(Verdict::error)] += 1;
    }
    close_session(s);
}

void Driver::queue_write(Session& s, std::string bytes) {
    if (!o_.split_writes && !s.out.empty())
        s.out.back().append(bytes);
    else
        s.out.push_back(std::move(bytes));
}

// Writes what is pending: one write() per entry. Like Postfix (its VSTREAM is
// flushed when it reads a reply), everything up to the next awaited reply goes
// in one write, but for the hand-over to cleanup; --split-writes makes every
// packet a write of its own.
void Driver::flush(Session& s) {
    while (!s.out.empty()) {
        const std::string& front = s.out.front();
        const ssize_t n = ::send(s.fd, front.data() + s.out_offset, front.size() - s.out_offset, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            fail(s, true, std::string("write: ") + std::strerror(errno));
            return;
        }
        s.out_offset += static_cast<std::size_t>(n);
        if (s.out_offset < front.size()) break;
        s.out.pop_front();
        s.out_offset = 0;
    }
    const bool want = !s.out.empty();
    if (want != s.want_write) {
        s.want_write = want;
        watch(s);
    }
}

std::optional<std::string> Driver::macro_value(const Session& s, std::string_view name, MacroStage stage) {
    const MixLine& c = *s.client;
    const bool queue_file_open = stage == MacroStage::data || stage == MacroStage::eoh || stage == MacroStage::eom;
    if (name == "j" || name == "{daemon_name}") return "mx.example.net";
    if (name == "{daemon_addr}") return "198.51.100.1";
    if (name == "{daemon_port}") return "25";
    if (name == "v") return "Postfix 3.7.11";
    if (name == "_") return "unknown [" + c.address + "]";
    if (name == "{client_addr}") return (c.ipv6 ? "IPv6:" : "") + c.address;
    if (name == "{client_name}" || name == "{client_ptr}") return "unknown";
    if (name == "{client_port}") return std::to_string(40000 + s.id % 20000);
    // Postfix knows the queue id once the queue file is open: at DATA by default.
    if (name == "i") return queue_file_open ? std::optional<std::string>(s.queue_id) : std::nullopt;
    if (name == "{mail_addr}") return c.mail_from;
    if (name == "{mail_host}" || name == "{rcpt_host}") return "example.net";
    if (name == "{mail_mailer}" || name == "{rcpt_mailer}") return "smtp";
    if (name == "{rcpt_addr}") return c.rcpt_to;
    return std::nullopt;  // {auth_*}, TLS: no SMTP AUTH, no STARTTLS; Postfix sends nothing then
}

std::vector<std::pair<std::string, std::string>> Driver::macros_for(const Session& s, MacroStage stage) {
    static const std::array<const char*, wire::macro_stage_count> postfix_defaults = {
        "j {daemon_name} {daemon_addr} v _",                                                // connect
        "{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}",                // helo
        "i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} {mail_mailer}",  // mail
        "i {rcpt_addr} {rcpt_host} {rcpt_mailer}",                                          // rcpt
        "i",                                                                                // data
        "i",                                                                                // eom
        "i",                                                                                // eoh
    };
    const auto index = static_cast<std::size_t>(stage);
    const std::string list = s.macro_lists[index] ? *s.macro_lists[index] : postfix_defaults[index];
    std::vector<std::pair<std::string, std::string>> pairs;
    std::istringstream names(list);
    std::string name;
    while (names >> name) {
        // A milter may ask for "client_addr" or "{client_addr}": both mean the same.
        if (name.size() > 1 && name.front() != '{') name = "{" + name + "}";
        auto value = macro_value(s, name, stage);
        if (!value && name.size() == 3) {
            name = name.substr(1, 1);  // "{j}" asked: the one-letter macro
            value = macro_value(s, name, stage);
        }
        if (value) pairs.emplace_back(name, *value);
    }
    return pairs;
}

// A stage as Postfix sends it: its macros even when the milter turned the stage
// off (SMFIP_NO*: "send the macros for this event, even when we're not
// reporting the event itself", milter8.c), then its command unless turned off.
void Driver::add_step(Session& s, Stage stage, MacroStage macro_stage, long not_sent, long no_reply,
                      std::string packet) {
    const bool sent = (s.steps & not_sent) == 0;
    Step step{stage, {}, sent && (no_reply == 0 || (s.steps & no_reply) == 0)};
    const auto pairs = macros_for(s, macro_stage);
    if (!pairs.empty()) step.packets.push_back(wire::macros(packet[4], pairs));
    if (sent) step.packets.push_back(std::move(packet));
    if (!step.packets.empty()) s.plan.push_back(std::move(step));
}

void Driver::begin_messages(Session& s) {
    const MixLine& c = *s.client;
    add_step(s, Stage::connect, MacroStage::connect, SMFIP_NOCONNECT, SMFIP_NR_CONN,
             wire::connect("[" + c.address + "]", c.ipv6, static_cast<std::uint16_t>(40000 + s.id % 20000), c.address));
    add_step(s, Stage::helo, MacroStage::helo, SMFIP_NOHELO, SMFIP_NR_HELO, wire::strings('H', {c.helo}));
    if (s.hold) return;
    if (!next_message(s)) end_session(s);
}

// Plans the session's next message if the budget allows; false: the session is over.
bool Driver::next_message(Session& s) {
    if (s.over || s.messages_done >= o_.messages_per_session || !budget_left()) return false;
    ++messages_started_;
    plan_message(s);
    return true;
}

void Driver::plan_message(Session& s) {
    const MixLine& c = *s.client;
    const std::uint32_t st = s.steps;
    char id[32];
    std::snprintf(id, sizeof id, "%011llX", static_cast<unsigned long long>(queue_counter_++));
    s.queue_id = id;
    s.in_message = true;
    const std::string from = "<" + c.mail_from + ">";
    const std::string rcpt = "<" + c.rcpt_to + ">";
    add_step(s, Stage::mail, MacroStage::mail, SMFIP_NOMAIL, SMFIP_NR_MAIL, wire::strings('M', {from, "SIZE=612"}));
    add_step(s, Stage::rcpt, MacroStage::rcpt, SMFIP_NORCPT, SMFIP_NR_RCPT, wire::strings('R', {rcpt}));
    add_step(s, Stage::data, MacroStage::data, SMFIP_NODATA, SMFIP_NR_DATA, wire::packet('T'));
    // Postfix's smtpd flushes what it wrote before cleanup takes the milter
    // over for the headers, the body and the end of message: a write of its own.
    const std::size_t handover = s.plan.size();
    if (!(st & SMFIP_NOHDRS)) {
        const std::string lead = (st & SMFIP_HDR_LEADSPC) ? " " : "";
        const std::string author = c.mail_from.empty() ? "MAILER-DAEMON@" + c.helo : c.mail_from;
        const std::string number = std::to_string(messages_started_);
        const std::vector<std::pair<std::string, std::string>> headers = {
            {"From", author},
            {"To", c.rcpt_to},
            {"Subject", "load test message " + number},
            {"Date", "Mon, 1 Dec 2025 12:00:00 +0000"},
            {"Message-ID", "<" + number + "." + s.queue_id + "@" + c.helo + ">"},
        };
        for (const auto& [name, value] : headers) {
            const std::string v = lead + value;
            Step step{Stage::header, {wire::strings('L', {name, v})}, !(st & SMFIP_NR_HDR)};
            s.plan.push_back(std::move(step));
        }
    }
    add_step(s, Stage::eoh, MacroStage::eoh, SMFIP_NOEOH, SMFIP_NR_EOH, wire::packet('N'));
    if (!(st & SMFIP_NOBODY)) {
        Step step{
            Stage::body, {wire::packet('B', "A message of the milter load benchmark.\r\n")}, !(st & SMFIP_NR_BODY)};
        s.plan.push_back(std::move(step));
    }
    add_step(s, Stage::eom, MacroStage::eom, 0, 0, wire::packet('E'));
    s.plan[handover].new_write = true;
}

// Sends the plan's steps up to the first that awaits a reply.
void Driver::advance(Session& s) {
    while (!s.plan.empty() && s.fd >= 0) {
        Step step = std::move(s.plan.front());
        s.plan.pop_front();
        if (step.new_write && !s.out.empty()) s.out.emplace_back();
        for (auto& packet : step.packets) queue_write(s, std::move(packet));
        if (step.reply) {
            s.awaiting = true;
            s.waiting = step.stage;
            s.stage_start = Clock::now();
            s.deadline = s.stage_start + seconds(o_.timeout);
            flush(s);
            return;
        }
    }
    if (s.fd >= 0) flush(s);
    if (s.fd >= 0 && s.hold && s.phase == Session::Phase::running) s.phase = Session::Phase::holding;
}

void Driver::finish_message(Session& s, Verdict v) {
    const auto now = Clock::now();
    s.in_message = false;
    ++s.messages_done;
    ++stats_.messages;
    stats_.message_us.push_back(static_cast<float>(micros(now - s.due)));
    s.client_stats->message_us.push_back(stats_.message_us.back());
    s.client_stats->seen[static_cast<std::size_t>(v)] += 1;
    s.due = now;
    s.plan.clear();
    if (v != Verdict::accept) queue_write(s, wire::packet('A'));  // the transaction was refused: RSET
    if (next_message(s))
        advance(s);
    else
        end_session(s);
}

void Driver::end_session(Session& s) {
    s.plan.clear();
    queue_write(s, wire::packet('Q'));
    flush(s);
    close_session(s);
}

void Driver::on_packet(Session& s, const wire::Packet& p) {
    if (s.phase == Session::Phase::negotiating) {
        const auto n = p.command == 'O' ? wire::parse_optneg_reply(p.data) : std::nullopt;
        if (!n) return fail(s, true, std::string("bad option negotiation reply '") + p.command + "'");
        if (n->version < 2 || n->version > wire::version || (n->steps & ~wire::offered_steps) != 0 ||
            (n->actions & ~wire::offered_actions) != 0)
            return fail(s, true, "milter asks for what was not offered");
        stats_.stage_us[static_cast<std::size_t>(Stage::optneg)].push_back(
            static_cast<float>(micros(Clock::now() - s.stage_start)));
        if (!stats_.negotiated) stats_.negotiated = *n;
        s.steps = n->steps;
        s.macro_lists = n->macro_lists;
        s.awaiting = false;
        s.phase = Session::Phase::running;
        begin_messages(s);
        if (s.fd >= 0) advance(s);
        return;
    }
    if (!s.awaiting) return fail(s, true, std::string("reply '") + p.command + "' when none was due");
    stats_.replies[p.command] += 1;
    const Stage stage = s.waiting;
    const bool in_envelope = stage != Stage::connect && stage != Stage::helo;
    auto verdict_of_code = [&]() -> std::optional<Verdict> {
        if (p.command == 'r') return Verdict::reject;
        if (p.command == 't') return Verdict::tempfail;
        if (p.command == 'd') return Verdict::discard;
        if (p.command == 'y' && !p.data.empty() && p.data[0] == '5') return Verdict::reject;
        if (p.command == 'y' && !p.data.empty() && p.data[0] == '4') return Verdict::tempfail;
        return std::nullopt;
    };
    switch (p.command) {
        case 'p':  // progress: the milter is still at it
            s.deadline = Clock::now() + seconds(o_.timeout);
            return;
        case 'h':
        case 'i':
        case 'm':
        case '+':
        case '-':
        case '2':
        case 'e':
        case 'b':
        case 'q':
            if (stage != Stage::eom)
                return fail(s, true, std::string("message change '") + p.command + "' before end of message");
            return;
        default: break;
    }
    stats_.stage_us[static_cast<std::size_t>(stage)].push_back(
        static_cast<float>(micros(Clock::now() - s.stage_start)));
    s.awaiting = false;
    if (p.command == 'c' || (p.command == 's' && stage == Stage::body)) {
        if (stage == Stage::eom) return finish_message(s, Verdict::accept);
        return advance(s);
    }
    const std::optional<Verdict> verdict =
        p.command == 'a' ? std::optional<Verdict>(Verdict::accept) : verdict_of_code();
    if (verdict) {
        // At connect or HELO the answer is for the whole connection: the milter
        // is not asked again on it (a held session has no message to give it to).
        if (!in_envelope) s.over = true;
        if (!s.in_message) return fail(s, true, std::string("reply '") + p.command + "' to a held session");
        return finish_message(s, *verdict);
    }
    fail(s, true,
         std::string("unexpected reply '") + p.command + "' at " + stage_names[static_cast<std::size_t>(stage)]);
}

void Driver::on_readable(Session& s) {
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::recv(s.fd, buffer, sizeof buffer, 0);
        if (n > 0) {
            s.in.append(buffer, static_cast<std::size_t>(n));
            if (static_cast<std::size_t>(n) < sizeof buffer) break;  // drained: no extra recv() for EAGAIN
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0 && errno == EINTR) continue;
        // Closed (or failed) by the milter.
        if (s.phase == Session::Phase::holding && !s.awaiting) return fail(s, true, "milter closed a held session");
        return fail(s, true, n == 0 ? "milter closed the connection" : std::string("read: ") + std::strerror(errno));
    }
    bool error = false;
    while (s.fd >= 0) {
        const auto p = wire::take_packet(s.in, s.in_offset, error);
        if (!p) break;
        on_packet(s, *p);
    }
    if (error) return fail(s, true, "bad packet length");
    if (s.in_offset > 0) {
        s.in.erase(0, s.in_offset);
        s.in_offset = 0;
    }
}

void Driver::sample(bool final_sample) {
    const ProcessSample p = sample_process(o_.pid);
    if (!p.ok) return;
    memory_.peak = std::max(memory_.peak, p.rss_kb);
    memory_.threads_peak = std::max(memory_.threads_peak, p.threads);
    if (final_sample) memory_.end = p.rss_kb;
}

// Runs the event loop until done() or give_up.
void Driver::loop_until(const std::function<bool()>& done, Clock::time_point give_up) {
    std::vector<epoll_event> events(256);
    auto next_sample = Clock::now();
    while (!done() && Clock::now() < give_up) {
        // Wake for the next arrival to the microsecond (open loop), else every 10 ms.
        auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::min(next_wake_, Clock::now() + std::chrono::milliseconds(10)) - Clock::now());
        if (wait.count() < 0) wait = std::chrono::nanoseconds(0);
        const timespec timeout{static_cast<time_t>(wait.count() / 1000000000),
                               static_cast<long>(wait.count() % 1000000000)};
        const int n = epoll_pwait2(epoll_, events.data(), static_cast<int>(events.size()), &timeout, nullptr);
        if (n < 0 && errno != EINTR) fatal("epoll_wait");
        for (int i = 0; i < n; ++i) {
            const auto it = sessions_.find(events[i].data.u64);
            if (it == sessions_.end()) continue;
            Session& s = *it->second;
            if (s.fd < 0) continue;
            if (s.phase == Session::Phase::connecting) {
                if (!(events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) continue;
                int error = 0;
                socklen_t length = sizeof error;
                getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &length);
                if (error != 0) {
                    fail(s, false, std::string("connect: ") + std::strerror(error));
                    continue;
                }
                s.phase = Session::Phase::negotiating;
                s.want_write = false;
                s.awaiting = true;
                s.stage_start = Clock::now();
                queue_write(s, wire::optneg());
                flush(s);
                if (s.fd >= 0 && !s.want_write) watch(s);
                continue;
            }
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(s);
            if (s.fd >= 0 && (events[i].events & EPOLLOUT)) flush(s);
        }
        const auto now = Clock::now();
        if (now >= next_sample) {
            sample(false);
            next_sample = now + std::chrono::milliseconds(100);
            for (auto& [id, s] : sessions_)
                if (s->fd >= 0 && (s->awaiting || s->phase == Session::Phase::connecting) && now > s->deadline)
                    fail(*s, true,
                         std::string("no reply within the timeout at ") +
                             stage_names[static_cast<std::size_t>(s->waiting)]);
        }
        std::erase_if(sessions_, [](const auto& entry) { return entry.second->phase == Session::Phase::done; });
        if (loop_hook_) loop_hook_();
    }
}

int Driver::run() {
    const ProcessSample before = sample_process(o_.pid);
    if (o_.pid > 0 && !before.ok) {
        std::fprintf(stderr, "milter_load: no process %ld\n", o_.pid);
        return 2;
    }
    memory_.start = memory_.peak = before.rss_kb;
    memory_.threads_start = memory_.threads_peak = before.threads;
    rusage driver_before{};
    getrusage(RUSAGE_SELF, &driver_before);
    start_ = Clock::now();
    stop_new_ = start_ + seconds(o_.duration);
    const auto grace = seconds(o_.timeout + 1);

    if (o_.hold > 0) {
        for (unsigned i = 0; i < o_.hold; ++i) start_session(Clock::now(), true);
        loop_until(
            [&] {
                return std::all_of(sessions_.begin(), sessions_.end(),
                                   [](const auto& e) { return e.second->phase == Session::Phase::holding; });
            },
            Clock::now() + grace);
        const double opened = micros(Clock::now() - start_) / 1e6;
        const unsigned held =
            static_cast<unsigned>(std::count_if(sessions_.begin(), sessions_.end(), [](const auto& e) {
                return e.second->phase == Session::Phase::holding;
            }));
        if (held < o_.hold) stats_.error(false, std::to_string(o_.hold - held) + " sessions never got through HELO");
        sample(false);
        memory_.at_hold = sample_process(o_.pid).rss_kb;
        loop_until([] { return false; }, Clock::now() + seconds(o_.hold_seconds));
        sample(false);
        memory_.at_hold = std::max(memory_.at_hold, sample_process(o_.pid).rss_kb);
        for (auto& [id, s] : sessions_)
            if (s->fd >= 0) end_session(*s);
        sessions_.clear();
        // libmilter notices the closes on its own time: the end figure is taken a second later.
        loop_until([] { return false; }, Clock::now() + std::chrono::seconds(1));
        sample(true);
        loop_until([] { return false; }, Clock::now() + seconds(std::max(0.0, o_.after_seconds - 1)));
        memory_.after = sample_process(o_.pid).rss_kb;
        if (!o_.quiet)
            std::printf("hold: %u sessions through HELO in %.2f s, %u held %.1f s\n", o_.hold, opened, held,
                        o_.hold_seconds);
        rusage driver_after{};
        getrusage(RUSAGE_SELF, &driver_after);
        return report(0, 0, 0, false);
    }

    if (o_.rate > 0) {
        const auto interval = seconds(1.0 / o_.rate);
        const unsigned long arrivals_wanted = (o_.count + o_.messages_per_session - 1) / o_.messages_per_session;
        unsigned long arrivals = 0;
        auto next = start_;
        std::deque<Clock::time_point> late;  // arrived while --max-sessions were busy
        next_wake_ = next;
        loop_hook_ = [&] {
            const auto now = Clock::now();
            while (next <= now && next < stop_new_ && arrivals < arrivals_wanted && !stopping_) {
                late.push_back(next);
                ++arrivals;
                next += interval;
            }
            next_wake_ = (next < stop_new_ && arrivals < arrivals_wanted) ? next : Clock::time_point::max();
            while (!late.empty() && sessions_.size() < o_.max_sessions) {
                start_session(late.front(), false);
                late.pop_front();
            }
            if (stats_.connect_errors > 100) stopping_ = true;
        };
        loop_hook_();
        loop_until([&] { return sessions_.empty() && late.empty() && next_wake_ == Clock::time_point::max(); },
                   stop_new_ + grace);
    } else {
        loop_hook_ = [&] {
            while (sessions_.size() < o_.sessions && budget_left()) start_session(Clock::now(), false);
            if (stats_.connect_errors > 100) stopping_ = true;
        };
        loop_hook_();
        loop_until([&] { return sessions_.empty() && !budget_left(); }, stop_new_ + grace);
    }
    const double elapsed = micros(Clock::now() - start_) / 1e6;
    for (auto& [id, s] : sessions_)
        if (s->fd >= 0) fail(*s, true, "unfinished at the end of the run");
    sample(true);
    const ProcessSample after = sample_process(o_.pid);
    rusage driver_after{};
    getrusage(RUSAGE_SELF, &driver_after);
    auto cpu = [](const rusage& r) {
        return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
               static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
    };
    return report(elapsed, after.cpu_seconds - before.cpu_seconds, cpu(driver_after) - cpu(driver_before),
                  before.ok && after.ok);
}

std::string hex(std::uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%x", value);
    return text;
}

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        out += c;
    }
    return out + "\"";
}

// The steps the milter turned off, in words.
std::string step_words(std::uint32_t steps, bool no_reply) {
    static const std::pair<long, const char*> not_sent[] = {
        {SMFIP_NOCONNECT, "connect"}, {SMFIP_NOHELO, "helo"}, {SMFIP_NOMAIL, "mail"},
        {SMFIP_NORCPT, "rcpt"},       {SMFIP_NODATA, "data"}, {SMFIP_NOHDRS, "header"},
        {SMFIP_NOEOH, "eoh"},         {SMFIP_NOBODY, "body"}, {SMFIP_NOUNKNOWN, "unknown"}};
    static const std::pair<long, const char*> silent[] = {
        {SMFIP_NR_CONN, "connect"}, {SMFIP_NR_HELO, "helo"}, {SMFIP_NR_MAIL, "mail"},
        {SMFIP_NR_RCPT, "rcpt"},    {SMFIP_NR_DATA, "data"}, {SMFIP_NR_HDR, "header"},
        {SMFIP_NR_EOH, "eoh"},      {SMFIP_NR_BODY, "body"}, {SMFIP_NR_UNKN, "unknown"}};
    std::string words;
    for (const auto& [flag, name] : no_reply ? std::span(silent) : std::span(not_sent))
        if (steps & flag) words += (words.empty() ? "" : " ") + std::string(name);
    return words.empty() ? "-" : words;
}

int Driver::report(double elapsed, double milter_cpu, double driver_cpu, bool have_cpu) {
    unsigned long mismatches = 0;
    for (const auto& line : o_.check ? mix_ : std::vector<MixLine>{})
        for (std::size_t v = 0; v < verdict_count; ++v)
            if (v != static_cast<std::size_t>(line.expected)) mismatches += line.seen[v];
    unsigned long replies = 0;
    for (const auto& [command, n] : stats_.replies) replies += n;
    const double messages = static_cast<double>(stats_.messages);
    const double tx = elapsed > 0 ? messages / elapsed : 0;
    const double per_message = stats_.messages ? static_cast<double>(replies) / messages : 0;
    const double cpu_us = have_cpu && stats_.messages ? milter_cpu * 1e6 / messages : 0;
    const double driver_us = stats_.messages ? driver_cpu * 1e6 / messages : 0;
    const auto message_p = percentiles(stats_.message_us);
    const std::string mode = o_.hold ? "hold" : o_.rate > 0 ? "open" : "closed";

    if (!o_.quiet) {
        if (o_.hold == 0) {
            std::printf("%s, %s loop, ", o_.socket.c_str(), mode.c_str());
            if (o_.rate > 0)
                std::printf("%.0f sessions/s", o_.rate);
            else
                std::printf("%u sessions", o_.sessions);
            std::printf(" x %u messages, %s, %s\n", o_.messages_per_session, o_.nagle ? "Nagle on" : "TCP_NODELAY",
                        o_.split_writes ? "one write per packet" : "one write per reply awaited");
        }
        if (stats_.negotiated)
            std::printf("negotiated: version %u, actions %s, steps %s; not sent: %s; no reply: %s\n",
                        stats_.negotiated->version, hex(stats_.negotiated->actions).c_str(),
                        hex(stats_.negotiated->steps).c_str(), step_words(stats_.negotiated->steps, false).c_str(),
                        step_words(stats_.negotiated->steps, true).c_str());
        if (o_.hold == 0) {
            std::printf("%lu messages in %.2f s: %.1f tx/s, %.2f replies per message (", stats_.messages, elapsed, tx,
                        per_message);
            bool first = true;
            for (const auto& [command, n] : stats_.replies) {
                std::printf("%s'%c' %.2f", first ? "" : ", ", command,
                            static_cast<double>(n) / std::max(1.0, messages));
                first = false;
            }
            std::printf(")\n%-10s %10s %10s %10s %10s %9s\n", "latency us", "p50", "p90", "p99", "max", "count");
            auto row = [](const char* name, const Percentiles& p) {
                if (p.count)
                    std::printf("%-10s %10.1f %10.1f %10.1f %10.1f %9zu\n", name, p.p50, p.p90, p.p99, p.max, p.count);
            };
            row("message", message_p);
            for (std::size_t i = 0; i < stage_count; ++i) row(stage_names[i], percentiles(stats_.stage_us[i]));
            for (const auto& line : mix_) {
                unsigned long total = 0;
                for (const auto n : line.seen) total += n;
                if (total == 0) continue;
                std::printf("line %3u %-16s %-24s p50 %7.1f us, expected %-8s", line.line_number, line.address.c_str(),
                            (line.mail_from.empty() ? "<>" : line.mail_from).c_str(), percentiles(line.message_us).p50,
                            verdict_names[static_cast<std::size_t>(line.expected)]);
                for (std::size_t v = 0; v < verdict_count; ++v)
                    if (line.seen[v]) std::printf(" %s %lu", verdict_names[v], line.seen[v]);
                const bool as_expected = line.seen[static_cast<std::size_t>(line.expected)] == total;
                std::printf("%s\n", as_expected || !o_.check ? "" : "  MISMATCH");
            }
            if (have_cpu)
                std::printf("milter CPU %.1f us per transaction (%.2f s); driver CPU %.1f us per transaction\n", cpu_us,
                            milter_cpu, driver_us);
        }
        if (o_.pid > 0) {
            std::printf("milter RSS: start %.1f MB, peak %.1f MB", static_cast<double>(memory_.start) / 1024,
                        static_cast<double>(memory_.peak) / 1024);
            if (memory_.at_hold >= 0)
                std::printf(", with %u sessions %.1f MB", o_.hold, static_cast<double>(memory_.at_hold) / 1024);
            std::printf(", end %.1f MB", static_cast<double>(memory_.end) / 1024);
            std::printf("; threads %ld, at most %ld", memory_.threads_start, memory_.threads_peak);
            if (memory_.after >= 0)
                std::printf(", %.0f s after %.1f MB", o_.after_seconds, static_cast<double>(memory_.after) / 1024);
            std::printf("\n");
        }
        if (mismatches) std::printf("%lu verdicts differ from the mix file's\n", mismatches);
        if (stats_.protocol_errors || stats_.connect_errors)
            std::printf("%lu protocol errors, %lu connection errors\n", stats_.protocol_errors, stats_.connect_errors);
        for (const auto& e : stats_.first_errors) std::printf("  %s\n", e.c_str());
    }

    if (!o_.json_file.empty()) {
        std::ofstream j(o_.json_file);
        j << "{\n  \"socket\": " << json_string(o_.socket) << ",\n  \"mode\": \"" << mode << "\",\n";
        j << "  \"sessions\": " << (o_.hold ? o_.hold : o_.sessions)
          << ", \"messages_per_session\": " << o_.messages_per_session << ", \"rate\": " << o_.rate
          << ", \"nagle\": " << (o_.nagle ? "true" : "false")
          << ", \"split_writes\": " << (o_.split_writes ? "true" : "false") << ",\n";
        if (stats_.negotiated)
            j << "  \"negotiated\": {\"version\": " << stats_.negotiated->version << ", \"actions\": \""
              << hex(stats_.negotiated->actions) << "\", \"steps\": \"" << hex(stats_.negotiated->steps)
              << "\", \"not_sent\": \"" << step_words(stats_.negotiated->steps, false) << "\", \"no_reply\": \""
              << step_words(stats_.negotiated->steps, true) << "\"},\n";
        j << "  \"messages\": " << stats_.messages << ", \"seconds\": " << elapsed << ", \"tx_per_s\": " << tx
          << ",\n  \"replies_per_message\": " << per_message << ", \"replies\": {";
        bool first = true;
        for (const auto& [command, n] : stats_.replies) {
            j << (first ? "" : ", ") << json_string(std::string(1, command)) << ": " << n;
            first = false;
        }
        j << "},\n  \"latency_us\": {";
        auto entry = [&](const char* name, const Percentiles& p, bool comma) {
            j << (comma ? ", " : "") << "\n    \"" << name << "\": {\"p50\": " << p.p50 << ", \"p90\": " << p.p90
              << ", \"p99\": " << p.p99 << ", \"max\": " << p.max << ", \"count\": " << p.count << "}";
        };
        entry("message", message_p, false);
        for (std::size_t i = 0; i < stage_count; ++i) {
            const auto p = percentiles(stats_.stage_us[i]);
            if (p.count) entry(stage_names[i], p, true);
        }
        j << "\n  },\n  \"verdicts\": [";
        first = true;
        for (const auto& line : mix_) {
            unsigned long total = 0, wrong = 0;
            for (std::size_t v = 0; v < verdict_count; ++v) {
                total += line.seen[v];
                if (o_.check && v != static_cast<std::size_t>(line.expected)) wrong += line.seen[v];
            }
            j << (first ? "" : ",") << "\n    {\"line\": " << line.line_number
              << ", \"client\": " << json_string(line.address) << ", \"helo\": " << json_string(line.helo)
              << ", \"mail_from\": " << json_string(line.mail_from) << ", \"expected\": \""
              << verdict_names[static_cast<std::size_t>(line.expected)] << "\", \"messages\": " << total
              << ", \"p50_us\": " << percentiles(line.message_us).p50;
            for (std::size_t v = 0; v < verdict_count; ++v) j << ", \"" << verdict_names[v] << "\": " << line.seen[v];
            j << ", \"mismatches\": " << wrong << "}";
            first = false;
        }
        j << "\n  ],\n  \"mismatches\": " << mismatches << ", \"protocol_errors\": " << stats_.protocol_errors
          << ", \"connection_errors\": " << stats_.connect_errors << ",\n  \"errors\": [";
        first = true;
        for (const auto& e : stats_.first_errors) {
            j << (first ? "" : ", ") << json_string(e);
            first = false;
        }
        j << "],\n  \"milter_cpu_s\": " << (have_cpu ? milter_cpu : 0) << ", \"cpu_us_per_tx\": " << cpu_us
          << ", \"driver_cpu_us_per_tx\": " << driver_us << ",\n  \"rss_kb\": {\"start\": " << memory_.start
          << ", \"peak\": " << memory_.peak << ", \"end\": " << memory_.end << ", \"hold\": " << memory_.at_hold
          << ", \"after\": " << memory_.after << "},\n  \"threads\": {\"start\": " << memory_.threads_start
          << ", \"peak\": " << memory_.threads_peak << "}\n}\n";
        if (!j) {
            std::fprintf(stderr, "milter_load: cannot write %s\n", o_.json_file.c_str());
            return 2;
        }
    }
    return (mismatches || stats_.protocol_errors || stats_.connect_errors) ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options options = parse_options(argc, argv);
    std::vector<MixLine> mix;
    if (!options.mix_file.empty()) mix = read_mix(options.mix_file);
    if (mix.empty()) {  // hold mode without a mix: one documentation client
        MixLine line;
        line.address = "192.0.2.10";
        line.helo = "mail.example.com";
        line.mail_from = "alice@example.com";
        line.rcpt_to = "bob@example.net";
        mix.push_back(line);
    }
    Driver driver(std::move(options), std::move(mix));
    return driver.run();
}
