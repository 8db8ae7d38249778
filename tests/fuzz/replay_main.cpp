// tests/fuzz/replay_main.cpp: a main() for fuzz targets built without libFuzzer.
// Calls LLVMFuzzerTestOneInput once per file, so that the ordinary compiler (and
// the sanitizer build) can replay the corpus in CTest; a failed property aborts.
//
//   fuzz-replay-TARGET [--max-rss-mb N] [--skip NAME]... FILE-OR-DIR...
//
// A directory means every regular file in it (not recursive), in name order.
// --skip leaves out files of that name (inputs that wait for a fix).
// --max-rss-mb fails the replay at the first input after which the process's
// peak resident set exceeds N MiB. No input at all is an error: an empty or
// misspelt corpus directory must not pass.
#include <sys/resource.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

long peak_rss_mib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;  // ru_maxrss is in KiB on Linux
}

std::vector<std::filesystem::path> inputs_of(const std::filesystem::path& path) {
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(path)) {
        for (const auto& entry : std::filesystem::directory_iterator(path))
            if (entry.is_regular_file()) files.push_back(entry.path());
        std::sort(files.begin(), files.end());
    } else {
        files.push_back(path);
    }
    return files;
}

}  // namespace

int main(int argc, char** argv) {
    std::set<std::string> skipped_names;
    long max_rss_mib = 0;
    std::vector<std::filesystem::path> paths;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if ((arg == "--skip" || arg == "--max-rss-mb") && i + 1 < argc) {
            if (arg == "--skip")
                skipped_names.insert(argv[++i]);
            else
                max_rss_mib = std::atol(argv[++i]);
        } else {
            paths.emplace_back(arg);
        }
    }
    std::size_t replayed = 0;
    std::size_t skipped = 0;
    for (const auto& path : paths) {
        for (const auto& file : inputs_of(path)) {
            if (skipped_names.count(file.filename().string()) != 0) {
                std::printf("skipped (waits for a fix): %s\n", file.string().c_str());
                ++skipped;
                continue;
            }
            std::ifstream in(file, std::ios::binary);
            if (!in) {
                std::fprintf(stderr, "cannot read %s\n", file.string().c_str());
                return 1;
            }
            const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            std::fflush(stdout);
            LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
            ++replayed;
            if (max_rss_mib > 0 && peak_rss_mib() > max_rss_mib) {
                std::fprintf(stderr, "%s: peak resident set %ld MiB, more than %ld MiB (%zu octets of input)\n",
                             file.string().c_str(), peak_rss_mib(), max_rss_mib, bytes.size());
                return 1;
            }
        }
    }
    std::printf("replayed %zu inputs, skipped %zu, peak resident set %ld MiB\n", replayed, skipped, peak_rss_mib());
    if (replayed == 0) {
        std::fprintf(stderr, "no input replayed\n");
        return 1;
    }
    return 0;
}
