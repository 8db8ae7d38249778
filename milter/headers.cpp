// milter/headers.cpp: see headers.hpp.
// The comment wording follows the examples of RFC 7208 §9.1 and what pyspf and
// other receivers write, so people and tools that read them already know it.
#include "milter/headers.hpp"

#include "spf/text.hpp"

#include <algorithm>
#include <cctype>

namespace milter {

namespace {

constexpr std::size_t line_target = 78;  // RFC 5322 §2.1.1 SHOULD

// A safe string (built only from SafeText and our literals) escaped for a comment.
std::string comment(std::string_view text) { return "(" + comment_text(SafeText::from(text, 4096)) + ")"; }

bool is_domain_name(std::string_view name) {
    if (name.empty() || name.front() == '.' || name.back() == '.') return false;
    char previous = '.';
    for (char c : name) {
        const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
        if (c == '.' ? previous == '.' : !ok) return false;
        previous = c;
    }
    return true;
}

// RFC 8601 §2.3 pvalue: [ [ local-part ] "@" ] domain-name, or a quoted-string value.
std::string property_value(const SafeText& text) {
    const std::string& value = text.str();
    const std::size_t at = value.rfind('@');
    const bool plain = at == std::string::npos
                           ? is_domain_name(value)
                           : (at == 0 || is_dot_atom(value.substr(0, at))) && is_domain_name(value.substr(at + 1));
    return plain ? value : quoted_string(text);
}

std::string key_values(std::initializer_list<std::pair<std::string_view, std::string>> pairs) {
    std::string text;
    for (const auto& [key, value] : pairs) {
        if (value.empty()) continue;
        text += (text.empty() ? "" : "; ") + std::string(key) + "=" + value;
    }
    return text;
}

std::string mechanism_of(const SpfReport& report) {
    if (!report.mechanism.empty()) return dot_atom_or_quoted(report.mechanism);
    return report.result == spf::Result::neutral ? "default" : "";
}

}  // namespace

std::string result_comment(const SpfReport& report, const spf::IpAddress& client) {
    const std::string& mailbox = report.mailbox.str();
    const std::string ip = client.to_string();
    switch (report.result) {
        case spf::Result::pass: return "domain of " + mailbox + " designates " + ip + " as permitted sender";
        case spf::Result::fail: return "domain of " + mailbox + " does not designate " + ip + " as permitted sender";
        case spf::Result::softfail:
            return "domain of transitioning " + mailbox + " does not designate " + ip + " as permitted sender";
        case spf::Result::neutral: return ip + " is neither permitted nor denied by domain of " + mailbox;
        case spf::Result::none: return "domain of " + mailbox + " does not designate permitted sender hosts";
        case spf::Result::temperror:
            return "error in processing during lookup of " + mailbox + ": " + report.reason.str();
        case spf::Result::permerror:
            return "permanent error in processing domain of " + mailbox + ": " + report.reason.str();
    }
    return {};
}

HeaderField received_spf(const HeaderContext& context, const SpfReport& report) {
    const std::string receiver = context.receiver.str();
    std::string text = std::string(spf::to_string(report.result)) + " " +
                       comment((receiver.empty() ? "" : receiver + ": ") + result_comment(report, context.client));
    const bool error = report.result == spf::Result::temperror || report.result == spf::Result::permerror;
    text += " " + key_values({
                      {"receiver", receiver.empty() ? "" : dot_atom_or_quoted(context.receiver)},
                      {"client-ip", context.client.to_string()},
                      {"envelope-from", quoted_string(context.envelope_from)},
                      {"helo", context.helo.empty() ? "" : dot_atom_or_quoted(context.helo)},
                      {"identity", std::string(spf::to_string(report.identity))},
                      {"mechanism", mechanism_of(report)},
                      {"problem", error && !report.reason.empty() ? quoted_string(report.reason) : ""},
                  });
    return {"Received-SPF", fold(text, std::string_view("Received-SPF: ").size())};
}

HeaderField authentication_results(const HeaderContext& context, const SpfReport* mailfrom, const SpfReport* helo) {
    if (mailfrom == nullptr && helo == nullptr) return {};
    std::string text = dot_atom_or_quoted(context.authserv_id);
    if (mailfrom != nullptr) {
        text += "; spf=" + std::string(spf::to_string(mailfrom->result)) + " " +
                comment(result_comment(*mailfrom, context.client)) +
                " smtp.mailfrom=" + property_value(mailfrom->mailbox);
    }
    if (helo != nullptr)
        text += "; spf=" + std::string(spf::to_string(helo->result)) + " smtp.helo=" + property_value(context.helo);
    return {"Authentication-Results", fold(text, std::string_view("Authentication-Results: ").size())};
}

bool claims_authserv_id(std::string_view value, std::string_view authserv_id) {
    if (authserv_id.empty() || authserv_id == ".") return false;
    std::size_t i = 0;
    // CFWS (RFC 5322 §3.2.2): blanks, line breaks and (possibly nested) comments.
    int depth = 0;
    while (i < value.size()) {
        const char c = value[i];
        if (depth > 0 && c == '\\') {
            i = std::min(i + 2, value.size());  // a quoted-pair; a lone '\\' at the end is one octet
        } else if (c == '(') {
            ++depth, ++i;
        } else if (c == ')' && depth > 0) {
            --depth, ++i;
        } else if (depth > 0 || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            ++i;
        } else {
            break;
        }
    }
    std::string id;
    if (i < value.size() && value[i] == '"') {
        for (++i; i < value.size() && value[i] != '"'; ++i) {
            // A fold inside the quotes (fold() makes them): unfolding drops the line break.
            if (value[i] == '\r' || value[i] == '\n') continue;
            if (value[i] == '\\' && i + 1 < value.size()) ++i;
            id += value[i];
        }
    } else {
        const std::size_t end = value.find_first_of(" \t\r\n;(", i);
        id = std::string(value.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
    }
    // One trailing dot on either side is the same name (an FQDN written absolute).
    const auto without_dot = [](std::string_view name) {
        if (!name.empty() && name.back() == '.') name.remove_suffix(1);
        return name;
    };
    return spf::iequals(without_dot(id), without_dot(authserv_id));
}

std::string fold(std::string_view value, std::size_t name_length) {
    std::string out;
    std::size_t line_length = name_length;
    bool first = true;
    while (true) {
        const std::size_t space = value.find(' ');
        const std::string_view word = value.substr(0, space);
        if (first) {
            out += word;
            line_length += word.size();
            first = false;
        } else if (line_length + 1 + word.size() > line_target) {
            out += "\n ";  // the space stays: unfolding removes only the line break
            out += word;
            line_length = 1 + word.size();
        } else {
            out += ' ';
            out += word;
            line_length += 1 + word.size();
        }
        if (space == std::string_view::npos) break;
        value.remove_prefix(space + 1);
    }
    return out;
}

std::string unfold(std::string_view value) {
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\r' && i + 1 < value.size() && value[i + 1] == '\n') continue;
        if (value[i] == '\n' && i + 1 < value.size() && (value[i + 1] == ' ' || value[i + 1] == '\t')) continue;
        out += value[i];
    }
    return out;
}

}  // namespace milter
