// milter/simulate.hpp: spf-milter --simulate: what the daemon would do with one
// transaction, without an MTA. It builds the Session and Transaction the callbacks
// would build and calls the same decide(), so the skip decision, each identity's
// result, the SMTP reply (and its stage) and the headers are exactly the daemon's.
// Output for people (format_text) or one JSON object (format_json).
#pragma once

#include "milter/config.hpp"
#include "milter/connection.hpp"
#include "milter/envelope.hpp"
#include "milter/options.hpp"
#include "milter/policy.hpp"
#include "milter/runtime.hpp"

#include <optional>
#include <string>
#include <variant>

namespace milter {

struct Simulation {
    Session session;
    Transaction transaction;
    Decision decision;
    std::optional<ForwardPath> recipient;      // --rcpt
    Action recipient_action = Action::accept;  // what RCPT TO would get
};

// mta_hostname stands for the MTA's {j} (the daemon's default authserv-id and
// receiver); the command line passes this host's name. Error text if --ip is not
// an IP address.
std::variant<Simulation, std::string> simulate(const Config& config, const SimulateOptions& request,
                                               spf::Resolver& resolver, const spf::Clock& clock,
                                               const std::string& mta_hostname);

// What answers the simulation's DNS questions: DNS as the daemon asks it
// (make_ldns_resolver), or with --zone a ZoneResolver over the file's zone. Either
// goes to build_runtime(), which puts the daemon's cache in front. Error text, naming
// the file and line, if the zone file cannot be read or parsed (a usage error).
std::variant<ResolverFactory, std::string> simulation_resolvers(const SimulateOptions& request);

std::string format_text(const Config& config, const Simulation& simulation);
std::string format_json(const Config& config, const Simulation& simulation);

}  // namespace milter
