// milter/metrics_server.hpp: the HTTP listener of metrics_listen, serving
// GET /metrics in the Prometheus text format, through Boost.Beast (no
// hand-written HTTP parser). One thread of its own runs every connection
// asynchronously; each connection has a time limit, a header size limit and
// no body, and at most max_connections are served at once (more are closed
// at accept), so a slow or hostile scraper costs bounded memory and never
// delays mail. GET and HEAD of /metrics only; other paths 404, methods 405.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>

namespace milter {

class MetricsServer {
public:
    static constexpr std::size_t max_connections = 16;

    // Binds host:port (an IP literal) and starts serving render()'s text; the
    // error text when the address cannot be bound. port 0 picks a free port.
    static std::variant<std::unique_ptr<MetricsServer>, std::string> start(const std::string& host, std::uint16_t port,
                                                                           std::function<std::string()> render);
    ~MetricsServer();  // closes the listener and every connection, joins the thread
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    std::uint16_t port() const;  // the port bound

    struct Impl;

private:
    explicit MetricsServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace milter
