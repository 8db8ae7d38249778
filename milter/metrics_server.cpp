// milter/metrics_server.cpp: see metrics_server.hpp.
#include "milter/metrics_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

namespace milter {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto connection_time_limit = std::chrono::seconds(10);  // per request read or response written
constexpr std::uint32_t header_limit = 8192;

// One scraper connection: requests read and answered one after the other
// (keep-alive), until it closes, errs, or is too slow.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(tcp::socket socket, const std::function<std::string()>& render, std::atomic<std::size_t>& open)
        : stream_(std::move(socket)), render_(render), open_(open) {}
    ~Connection() { open_.fetch_sub(1, std::memory_order_relaxed); }

    void read() {
        parser_.emplace();
        parser_->header_limit(header_limit);
        parser_->body_limit(0);  // a scrape has no body
        stream_.expires_after(connection_time_limit);
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code error, std::size_t) { self->on_read(error); });
    }

private:
    void on_read(beast::error_code error) {
        if (error) return close();  // end of stream, time limit, a request too large or malformed
        const auto& request = parser_->get();
        response_ = {};
        response_.version(request.version());
        response_.keep_alive(request.keep_alive());
        response_.set(http::field::server, "spf-milter");
        if (request.method() != http::verb::get && request.method() != http::verb::head) {
            response_.result(http::status::method_not_allowed);
            response_.set(http::field::allow, "GET, HEAD");
            response_.set(http::field::content_type, "text/plain; charset=utf-8");
            response_.body() = "only GET and HEAD\n";
        } else if (request.target() != "/metrics") {
            response_.result(http::status::not_found);
            response_.set(http::field::content_type, "text/plain; charset=utf-8");
            response_.body() = "the metrics are at /metrics\n";
        } else {
            response_.result(http::status::ok);
            response_.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
            response_.body() = render_();
        }
        response_.prepare_payload();
        if (request.method() == http::verb::head) response_.body().clear();  // Content-Length stays
        stream_.expires_after(connection_time_limit);
        http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code written, std::size_t) {
            if (written || !self->response_.keep_alive()) return self->close();
            self->read();
        });
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::empty_body>> parser_;
    http::response<http::string_body> response_;
    const std::function<std::string()>& render_;
    std::atomic<std::size_t>& open_;
};

}  // namespace

// Connections still in the context when it is destroyed (after stop()) touch
// render and open as they go: those are declared first, to be destroyed last.
struct MetricsServer::Impl {
    std::function<std::string()> render;
    std::atomic<std::size_t> open{0};
    asio::io_context context{1};
    tcp::acceptor acceptor{context};
    asio::steady_timer pause{context};
    std::thread thread;

    void accept() {
        acceptor.async_accept(asio::make_strand(context), [this](beast::error_code error, tcp::socket socket) {
            if (error == asio::error::operation_aborted) return;  // stopping
            if (error) {
                // Out of descriptors (EMFILE) and the like: accepting again at
                // once would spin; the milter's sessions come first.
                pause.expires_after(std::chrono::milliseconds(250));
                pause.async_wait([this](beast::error_code waited) {
                    if (!waited) accept();
                });
                return;
            }
            {
                if (open.fetch_add(1, std::memory_order_relaxed) >= max_connections) {
                    open.fetch_sub(1, std::memory_order_relaxed);
                    beast::error_code ignored;
                    socket.close(ignored);
                } else {
                    std::make_shared<Connection>(std::move(socket), render, open)->read();
                }
            }
            accept();
        });
    }
};

std::variant<std::unique_ptr<MetricsServer>, std::string> MetricsServer::start(const std::string& host,
                                                                               std::uint16_t port,
                                                                               std::function<std::string()> render) {
    auto impl = std::make_unique<Impl>();
    impl->render = std::move(render);
    beast::error_code error;
    const auto address = asio::ip::make_address(host, error);
    if (error) return "metrics_listen: '" + host + "' is not an IP address";
    const tcp::endpoint endpoint(address, port);
    const auto fail = [&](const char* step) {
        return "metrics_listen: cannot " + std::string(step) + " " + host + ":" + std::to_string(port) + ": " +
               error.message();
    };
    if (impl->acceptor.open(endpoint.protocol(), error)) return fail("open a socket for");
    if (impl->acceptor.set_option(asio::socket_base::reuse_address(true), error)) return fail("set SO_REUSEADDR on");
    if (impl->acceptor.bind(endpoint, error)) return fail("bind");
    if (impl->acceptor.listen(asio::socket_base::max_listen_connections, error)) return fail("listen on");
    impl->accept();
    Impl* running = impl.get();
    try {
        impl->thread = std::thread([running] { running->context.run(); });
    } catch (const std::system_error& failure) {
        return std::string("metrics_listen: no thread for the listener: ") + failure.what();
    }
    return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
    impl_->context.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint16_t MetricsServer::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace milter
