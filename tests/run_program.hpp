// tests/run_program.hpp: run one of the project's programs as a user would,
// through the shell, and keep what it printed and its exit status. For the
// tests of spf-query and spf-milter that check the programs themselves.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace spf::test {

struct ProgramOutcome {
    int status = -1;     // the exit status; -1 if it did not exit normally
    std::string output;  // stdout and stderr together
};

// program: a path under the build directory ("milter/spf-milter"); arguments
// as a shell would split them.
inline ProgramOutcome run_program(const std::string& program, const std::string& arguments) {
    const std::string command = std::string(SPF_BINARY_DIR) + "/" + program + " " + arguments + " 2>&1";
    ProgramOutcome result;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    std::array<char, 4096> buffer{};
    std::size_t got = 0;
    while ((got = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), got);
    const int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

}  // namespace spf::test
