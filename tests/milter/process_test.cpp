// tests/milter/process_test.cpp: milter/process.cpp, what start-up does to the
// socket file and the pid file, and refusing an unknown user.
#include "milter/process.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

namespace {

class ProcessFiles : public ::testing::Test {
protected:
    void SetUp() override {
        // Short: unix socket paths are limited to 108 octets.
        directory_ = std::filesystem::path("/tmp") / ("spfm-" + std::to_string(::getpid()));
        std::filesystem::create_directories(directory_);
    }
    void TearDown() override {
        for (int fd : fds_) close(fd);
        std::filesystem::remove_all(directory_);
    }
    // Binds a unix socket at path; listening or not.
    void bind_socket(const std::string& path, bool listening) {
        const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        ASSERT_GE(fd, 0);
        fds_.push_back(fd);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
        ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0) << std::strerror(errno);
        if (listening) {
            ASSERT_EQ(listen(fd, 1), 0);
        } else {
            close(fd);  // the file stays behind: a stale socket
            fds_.pop_back();
        }
    }
    std::filesystem::path directory_;
    std::vector<int> fds_;
};

TEST_F(ProcessFiles, AcceptAMissingSocketPath) {
    EXPECT_EQ(milter::prepare_unix_socket((directory_ / "new.sock").string()), std::nullopt);
}

TEST_F(ProcessFiles, CreateTheMissingLastDirectoryOfTheSocket) {
    const auto run_directory = directory_ / "run-spf-milter";
    EXPECT_EQ(milter::prepare_unix_socket((run_directory / "spf-milter.sock").string()), std::nullopt);
    EXPECT_TRUE(std::filesystem::is_directory(run_directory));
    const auto error = milter::prepare_unix_socket((directory_ / "no" / "such" / "x.sock").string());
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("cannot create the socket directory"), std::string::npos) << *error;
}

TEST_F(ProcessFiles, RemoveAStaleSocket) {
    const std::string path = (directory_ / "stale.sock").string();
    bind_socket(path, false);
    ASSERT_TRUE(std::filesystem::exists(path));
    EXPECT_EQ(milter::prepare_unix_socket(path), std::nullopt);
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(ProcessFiles, RefuseASocketSomeoneListensOn) {
    const std::string path = (directory_ / "busy.sock").string();
    bind_socket(path, true);
    const auto error = milter::prepare_unix_socket(path);
    ASSERT_TRUE(error);
    EXPECT_EQ(*error, "another process is listening on " + path);
    EXPECT_TRUE(std::filesystem::exists(path));
}

TEST_F(ProcessFiles, NeverRemoveAFileThatIsNotASocket) {
    const std::string path = (directory_ / "important.txt").string();
    std::ofstream(path) << "keep me\n";
    const auto error = milter::prepare_unix_socket(path);
    ASSERT_TRUE(error);
    EXPECT_EQ(*error, path + " exists and is not a socket; not removing it");
    EXPECT_TRUE(std::filesystem::exists(path));
}

TEST_F(ProcessFiles, SetTheSocketMode) {
    const std::string path = (directory_ / "mode.sock").string();
    bind_socket(path, false);
    ASSERT_EQ(milter::set_socket_permissions(path, 0660, std::nullopt), std::nullopt);
    struct stat status {};
    ASSERT_EQ(stat(path.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0660U);
}

TEST_F(ProcessFiles, WriteThePidFile) {
    const std::string path = (directory_ / "spf-milter.pid").string();
    ASSERT_EQ(milter::write_pid_file(path, std::nullopt), std::nullopt);
    std::ifstream file(path);
    long pid = 0;
    file >> pid;
    EXPECT_EQ(pid, static_cast<long>(getpid()));
}

TEST(Users, RefuseAnUnknownUser) {
    auto user = milter::lookup_user("no-such-user-spf-milter-test");
    ASSERT_TRUE(std::holds_alternative<std::string>(user));
    EXPECT_EQ(std::get<std::string>(user), "unknown user 'no-such-user-spf-milter-test'");
}

TEST(Users, FindRoot) {
    auto user = milter::lookup_user("root");
    ASSERT_TRUE(std::holds_alternative<milter::UserIds>(user));
    EXPECT_EQ(std::get<milter::UserIds>(user).uid, 0U);
}

TEST(Users, DoNothingWhenAlreadyThatUser) {
    const milter::UserIds me{"me", geteuid(), getegid()};
    EXPECT_EQ(milter::drop_privileges(me), std::nullopt);
}

}  // namespace
