// milter/quick_ack.hpp: immediate ACKs on the MTA's TCP connections.
// An MTA that leaves Nagle on sends its next small packet only once the last
// one is acknowledged. Sendmail writes the macros of a stage and then its
// command as two packets; Postfix writes a stage we asked no reply for and,
// at DATA, hands the connection from smtpd to cleanup, which writes again.
// When no reply of ours carries the ACK, Linux delays it (up to 40 ms), and
// the MTA's packet waits that long: 44 ms per milter command with Sendmail
// over TCP, whatever the milter does. TCP_QUICKACK makes the kernel send the
// ACK at once, but it is not permanent: the kernel may return to delayed ACKs
// after any exchange. So it is set again after every read from the MTA.
// libmilter gives no descriptor of a connection; the daemon links the static
// libmilter with -Wl,--wrap=accept,--wrap=read (daemon.cpp): every accepted
// descriptor is noted here, and every read of libmilter's reports here.
#pragma once

namespace milter {

// A connection was accepted on fd: remember whether it is TCP.
void note_accepted(int fd);

// Data was read from fd: if it is an accepted TCP connection, acknowledge at once.
void acknowledge_read(int fd);

// For tests: whether fd was noted as an accepted TCP connection.
bool acknowledges_at_once(int fd);

}  // namespace milter
