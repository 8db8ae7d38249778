// milter/reply_stages.cpp: see reply_stages.hpp.
#include "milter/reply_stages.hpp"

namespace milter {

ReplyStages reply_stages(const Config& config) {
    ReplyStages stages;
    stages.mail = !config.dry_run && config.reject_at == RejectStage::mail;
    stages.rcpt = !config.dry_run && config.reject_at == RejectStage::rcpt;
    return stages;
}

bool reads_header_fields(const Config& config) { return config.remove_forged_results; }

}  // namespace milter
