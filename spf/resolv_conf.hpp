// spf/resolv_conf.hpp: what spf-milter takes from /etc/resolv.conf when no DNS
// server is configured: the `nameserver` lines and the `options` an
// administrator sets for exactly this case, read as resolv.conf(5) describes
// them for glibc:
//   nameserver ADDRESS   at most 3 are used (glibc's MAXNS); later ones are ignored
//   options timeout:N    seconds to wait for one server before asking the next,
//                        default 5, at most 30 (0 is taken as 1, as glibc waits 1 s)
//   options attempts:N   rounds over all servers, default 2, at most 5 (0 is taken
//                        as 1: glibc would send nothing at all)
//   options rotate       start each query at the next server in turn
// Other options (ndots, edns0, ...) and the RES_OPTIONS variable are not read:
// they change nothing for SPF lookups. Unlike glibc, a file with no usable
// nameserver is an error (LdnsResolver::create says so) rather than a silent
// fall-back to 127.0.0.1: a mail filter should not guess where its DNS is. A later `options` line overrides an earlier
// one, option by option, as in glibc. Pure parsing: the file is read by the caller.
#pragma once

#include "spf/ldns_resolver.hpp"

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

namespace spf {

struct ResolvConf {
    static constexpr std::size_t max_servers = 3;
    static constexpr unsigned default_timeout_s = 5, max_timeout_s = 30;
    static constexpr unsigned default_attempts = 2, max_attempts = 5;

    std::vector<DnsServer> servers;
    std::chrono::seconds timeout{default_timeout_s};
    unsigned attempts = default_attempts;
    bool rotate = false;
};

// Scoped addresses (fe80::1%eth0) are skipped: IpAddress has no zone ids.
// Malformed option values are ignored, as glibc ignores them.
ResolvConf parse_resolv_conf(std::string_view text);

}  // namespace spf
