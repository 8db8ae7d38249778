// milter/convert_config.hpp: spf-milter --convert-config FILE. Reads the
// configuration of pyspf-milter or of policyd-spf (postfix-policyd-spf-python;
// both are front ends of python3-spf-engine and read the same "Key = Value"
// file, policyd-spf.conf(5)) and writes the spf-milter.conf(5) that behaves the
// same, as far as a milter can.
//
// The text is read as spf_engine reads it (case-sensitive keys, '#' starts a
// comment anywhere, exactly one '=', the last of a repeated key wins), and every
// key is given the meaning its source has, which is not always what its
// documentation says (e.g. TempError_Defer acts only on the exact word True).
// The output is a valid spf-milter.conf: a heading comment, then one block per
// key of the source, in its order, each the original line as a comment, then
// the spf-milter line(s) or "# no equivalent: ..." and "# differs: ..." notes;
// then the peer's defaults that spf-milter's defaults would change (pyspf-milter
// accepts a temperror, spf-milter's default tempfails); then the spf-milter keys
// no peer key stands for. Lines that are not understood are kept as comments.
// Pure: no I/O; the work is linear in the size of the text (list items are
// deduplicated through a hash set).
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace milter {

enum class PeerFormat : unsigned char { pyspf_milter, policyd_spf };
std::string_view to_string(PeerFormat format);  // "pyspf-milter", "policyd-spf"

struct Conversion {
    PeerFormat format = PeerFormat::policyd_spf;
    std::vector<std::string> deciding_keys;  // the keys of the file that decided the format
    std::string text;                        // the spf-milter.conf
};

// file_name is named in the heading and in the error. A text with no key of
// either program is an error: "FILE: neither a pyspf-milter nor a policyd-spf
// configuration (...)".
std::variant<Conversion, std::string> convert_config(std::string_view text, std::string_view file_name);

// Every key of the peers' files that is converted (policyd-spf.conf(5) and the
// keys spf_engine's parser reads), for tests and the README's table.
std::vector<std::string_view> peer_config_keys();

}  // namespace milter
