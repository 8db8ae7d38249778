// milter/config_warnings.cpp: see config_warnings.hpp.
#include "milter/config_warnings.hpp"

namespace milter {

namespace {

bool local_socket(const SocketSpec& socket) {
    if (socket.kind == SocketSpec::Kind::unix_path) return true;
    return socket.host == "127.0.0.1" || socket.host == "::1" || socket.host == "localhost" ||
           socket.host.starts_with("127.");
}

bool refuses_anything(const Config& config) {
    for (const Action action : {config.fail_action, config.softfail_action, config.neutral_action, config.none_action,
                                config.temperror_action, config.permerror_action, config.helo_fail_action})
        if (action != Action::accept) return true;
    return !config.strict_domains.empty();
}

}  // namespace

std::vector<std::string> config_warnings(const Config& config) {
    std::vector<std::string> warnings;
    const unsigned check = config.check_timeout_s;
    if (check >= postfix_milter_timeout_s) {
        warnings.emplace_back("check_timeout = " + std::to_string(check) +
                              " is at or above Postfix's milter_command_timeout (" +
                              std::to_string(postfix_milter_timeout_s) +
                              " s by default): Postfix stops waiting and applies milter_default_action; keep it below "
                              "the MTA's milter timeouts");
    } else if (check >= sendmail_milter_timeout_s && !config.socket.path.starts_with("/var/spool/postfix/")) {
        // (A socket in Postfix's queue directory serves Postfix.)
        warnings.emplace_back("check_timeout = " + std::to_string(check) +
                              " is at or above Sendmail's default milter read timeout (" +
                              std::to_string(sendmail_milter_timeout_s) +
                              " s): with Sendmail, give INPUT_MAIL_FILTER T=R:30s (as spf-milter(8) shows) or lower "
                              "check_timeout");
    }
    if (config.dns_timeout_s && *config.dns_timeout_s >= check)
        warnings.emplace_back(
            "dns_timeout = " + std::to_string(*config.dns_timeout_s) +
            " is not below check_timeout = " + std::to_string(check) +
            ": a DNS server that does not answer takes the whole check, and the next one is never asked");
    if (config.trusted_networks.empty() && local_socket(config.socket))
        warnings.emplace_back(
            "trusted_networks is empty while the MTA connects locally (" + config.socket.text +
            "): mail the MTA receives from this host (127.0.0.1, ::1) is checked against senders' SPF "
            "records, which do not list loopback, and may be refused");
    if (config.reject_at == RejectStage::rcpt && config.exempt_recipients.empty())
        warnings.emplace_back(
            "reject_at = rcpt with no exempt_recipients: postmaster is refused too (RFC 5321 section "
            "4.5.1 asks that mail to postmaster be accepted)");
    if (config.dry_run && !config.add_received_spf && !config.add_authentication_results)
        warnings.emplace_back("dry_run = yes and headers = none: the results show only in the log");
    if (!config.dry_run && !refuses_anything(config))
        warnings.emplace_back("every *_action is accept: nothing is ever refused; dry_run = yes says so in the log");
    if (config.softfail_action == Action::reject)
        warnings.emplace_back(
            "softfail_action = reject: RFC 7208 section 8.5 treats softfail as weaker than fail; "
            "forwarded mail is often softfail");
    for (const std::string& domain : config.strict_domains)
        for (const std::string& skipped : config.skip_sender_domains)
            if (domain == skipped)
                warnings.emplace_back("strict_domains and skip_sender_domains both list " + domain +
                                      ": it is skipped, and never refused");
    return warnings;
}

}  // namespace milter
