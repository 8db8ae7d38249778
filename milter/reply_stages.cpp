// milter/reply_stages.cpp: see reply_stages.hpp.
#include "milter/reply_stages.hpp"

namespace milter {

ReplyStages reply_stages(const Config& config) {
    ReplyStages stages;
    if (config.socket.kind != SocketSpec::Kind::unix_path) {
        // Over TCP our "continue" is also the MTA's ACK: without it, an MTA that
        // leaves Nagle on (Postfix does) holds each next small command until
        // our delayed ACK, 40 ms a time. Every stage replies there.
        stages.connect = stages.helo = stages.mail = stages.rcpt = true;
        stages.data = stages.header = stages.end_of_headers = true;
        return stages;
    }
    stages.mail = !config.dry_run && config.reject_at == RejectStage::mail;
    stages.rcpt = !config.dry_run && config.reject_at == RejectStage::rcpt;
    return stages;
}

bool reads_header_fields(const Config& config) { return config.remove_forged_results; }

}  // namespace milter
