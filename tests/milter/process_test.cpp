// tests/milter/process_test.cpp: milter/process.cpp, what start-up does to the
// socket file and the pid file, and refusing an unknown user. The daemon does all
// this as root, in directories its service user may write to: the tests plant the
// links and odd files such a user could plant, and check that nothing outside is
// touched. (As root with a real user: tests/e2e/milter-files.sh.)
#include "milter/process.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

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
    static std::string contents(const std::filesystem::path& path) {
        std::ifstream file(path);
        std::ostringstream text;
        text << file.rdbuf();
        return text.str();
    }
    std::filesystem::path directory_;
    std::vector<int> fds_;
};

std::string pid_line() { return std::to_string(getpid()) + "\n"; }

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

TEST_F(ProcessFiles, ReplaceTheWholeContentOfAnOldPidFile) {
    const auto path = directory_ / "spf-milter.pid";
    std::ofstream(path) << "123456789012345678901234567890\n";
    ASSERT_EQ(milter::write_pid_file(path.string(), std::nullopt), std::nullopt);
    EXPECT_EQ(contents(path), pid_line());
}

TEST_F(ProcessFiles, RefuseASymbolicLinkAtThePidPathAndLeaveItsTargetAlone) {
    // The service user owns /run/spf-milter: it could point the pid file's name at
    // /etc/shadow and wait for root to write (and chown) it at the next start.
    const auto target = directory_ / "shadow";
    std::ofstream(target) << "root:*:19000::::::\n";
    std::filesystem::permissions(target, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const auto path = directory_ / "spf-milter.pid";
    std::filesystem::create_symlink(target, path);
    struct stat before {};
    ASSERT_EQ(stat(target.c_str(), &before), 0);

    const milter::UserIds nobody{"nobody", 65534, 65534};
    const auto error = milter::write_pid_file(path.string(), nobody);
    ASSERT_TRUE(error);
    EXPECT_EQ(*error, "pid file " + path.string() + " is a symbolic link; not following it");
    EXPECT_EQ(contents(target), "root:*:19000::::::\n");
    struct stat after {};
    ASSERT_EQ(stat(target.c_str(), &after), 0);
    EXPECT_EQ(after.st_uid, before.st_uid);
    EXPECT_EQ(after.st_gid, before.st_gid);
    EXPECT_EQ(after.st_mode, before.st_mode);
    EXPECT_TRUE(std::filesystem::is_symlink(path));
}

TEST_F(ProcessFiles, RefuseAPidFileWithASecondHardLink) {
    const auto elsewhere = directory_ / "elsewhere";
    std::ofstream(elsewhere) << "keep me\n";
    const auto path = directory_ / "spf-milter.pid";
    std::filesystem::create_hard_link(elsewhere, path);
    const auto error = milter::write_pid_file(path.string(), std::nullopt);
    ASSERT_TRUE(error);
    EXPECT_EQ(*error, "pid file " + path.string() + " has 2 hard links; not writing to it");
    EXPECT_EQ(contents(elsewhere), "keep me\n");
}

TEST_F(ProcessFiles, RefuseAPidPathThatIsNotARegularFile) {
    // A FIFO must not block the start either (nobody reads it).
    const auto path = directory_ / "spf-milter.pid";
    ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
    const auto error = milter::write_pid_file(path.string(), std::nullopt);
    ASSERT_TRUE(error);
    EXPECT_NE(error->find("pid file " + path.string()), std::string::npos) << *error;
    std::filesystem::remove(path);
    std::filesystem::create_directory(path);
    const auto directory_error = milter::write_pid_file(path.string(), std::nullopt);
    ASSERT_TRUE(directory_error);
    EXPECT_NE(directory_error->find("pid file " + path.string()), std::string::npos) << *directory_error;
}

TEST_F(ProcessFiles, RefuseASymbolicLinkAtTheSocketPath) {
    // Between bind() and the chown, the user could swap the socket for a link.
    const auto target = directory_ / "passwd";
    std::ofstream(target) << "keep me\n";
    const auto path = directory_ / "s.sock";
    std::filesystem::create_symlink(target, path);
    struct stat before {};
    ASSERT_EQ(stat(target.c_str(), &before), 0);
    const auto error = milter::set_socket_permissions(path.string(), 0666, milter::UserIds{"me", geteuid(), getegid()});
    ASSERT_TRUE(error);
    EXPECT_EQ(*error, "socket " + path.string() + " is not the socket just bound (a symbolic link); not changing it");
    struct stat after {};
    ASSERT_EQ(stat(target.c_str(), &after), 0);
    EXPECT_EQ(after.st_mode, before.st_mode);
}

TEST_F(ProcessFiles, RefuseARegularFileAtTheSocketPath) {
    const auto path = directory_ / "s.sock";
    std::ofstream(path) << "keep me\n";
    std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const auto error = milter::set_socket_permissions(path.string(), 0666, std::nullopt);
    ASSERT_TRUE(error);
    EXPECT_EQ(*error, "socket " + path.string() + " is not the socket just bound (not a socket); not changing it");
    struct stat status {};
    ASSERT_EQ(stat(path.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0600U);
}

TEST_F(ProcessFiles, BindTheSocketWithItsModeThroughTheUmask) {
    const std::string path = (directory_ / "umask.sock").string();
    const mode_t previous = umask(milter::socket_umask(0660));
    bind_socket(path, false);
    umask(previous);
    struct stat status {};
    ASSERT_EQ(lstat(path.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0660U);
}

TEST_F(ProcessFiles, KeepThePidFileOursNotTheServiceUsers) {
    // A pid file the service user could rewrite would let it aim root's
    // "kill $(cat pid_file)" at any process.
    if (geteuid() != 0) GTEST_SKIP() << "files of another user need root";
    const milter::UserIds service_user{"nobody", 65534, 65534};
    const auto fresh = directory_ / "fresh.pid";
    ASSERT_EQ(milter::write_pid_file(fresh.string(), service_user), std::nullopt);
    struct stat status {};
    ASSERT_EQ(lstat(fresh.c_str(), &status), 0);
    EXPECT_EQ(status.st_uid, 0U);
    EXPECT_EQ(status.st_mode & 0777, 0644U);
    // One left by an earlier version, owned by the user: rewritten and taken back.
    const auto left = directory_ / "left.pid";
    std::ofstream(left) << "1\n";
    ASSERT_EQ(chown(left.c_str(), service_user.uid, service_user.gid), 0);
    ASSERT_EQ(milter::write_pid_file(left.string(), service_user), std::nullopt);
    ASSERT_EQ(lstat(left.c_str(), &status), 0);
    EXPECT_EQ(status.st_uid, 0U);
    EXPECT_EQ(contents(left), pid_line());
}

TEST_F(ProcessFiles, GiveACreatedSocketDirectoryToTheUser) {
    // So that the daemon, no longer root, can remove its socket at stop.
    if (geteuid() != 0) GTEST_SKIP() << "giving a directory to another user needs root";
    const milter::UserIds service_user{"nobody", 65534, 65534};
    const auto run_directory = directory_ / "run";
    ASSERT_EQ(milter::prepare_unix_socket((run_directory / "s.sock").string(), service_user), std::nullopt);
    struct stat status {};
    ASSERT_EQ(lstat(run_directory.c_str(), &status), 0);
    EXPECT_TRUE(S_ISDIR(status.st_mode));
    EXPECT_EQ(status.st_uid, service_user.uid);
    EXPECT_EQ(status.st_gid, service_user.gid);
}

TEST_F(ProcessFiles, RemoveTheFilesAtStopOrSayWhyNot) {
    const auto path = directory_ / "spf-milter.pid";
    std::ofstream(path) << "1\n";
    EXPECT_EQ(milter::remove_at_stop(path.string(), "pid file"), std::nullopt);
    EXPECT_FALSE(std::filesystem::exists(path));
    EXPECT_EQ(milter::remove_at_stop(path.string(), "pid file"), std::nullopt);  // already gone: fine
    const auto directory = directory_ / "a-directory";
    std::filesystem::create_directory(directory);
    const auto error = milter::remove_at_stop(directory.string(), "socket");
    ASSERT_TRUE(error);
    EXPECT_EQ(*error, "cannot remove socket " + directory.string() + ": " + std::strerror(EISDIR));
}

TEST(ListenFailure, NamesWhyAnAddressCannotBeBound) {
    // libmilter says only that it failed; the daemon asks the system again.
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(listen(fd, 1), 0);
    socklen_t length = sizeof address;
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    const std::string port = std::to_string(ntohs(address.sin_port));

    milter::SocketSpec busy;
    busy.kind = milter::SocketSpec::Kind::inet;
    busy.port = ntohs(address.sin_port);
    busy.host = "127.0.0.1";
    busy.text = "inet:" + port + "@127.0.0.1";
    EXPECT_EQ(milter::listen_failure_reason(busy), "Address already in use");
    close(fd);
    EXPECT_EQ(milter::listen_failure_reason(busy), "");  // free again: nothing to add

    milter::SocketSpec foreign = busy;
    foreign.host = "192.0.2.1";  // not an address of this host
    EXPECT_EQ(milter::listen_failure_reason(foreign), "Cannot assign requested address");
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
