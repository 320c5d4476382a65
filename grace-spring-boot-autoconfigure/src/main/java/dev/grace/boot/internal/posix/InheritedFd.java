package dev.grace.boot.internal.posix;

/**
 * A file descriptor handed to this process by the socket-activation protocol, with the
 * name given beside it in {@code LISTEN_FDNAMES}.
 *
 * @param fd the descriptor number in this process
 * @param name the name, {@code "unknown"} when none was given (as systemd does)
 */
public record InheritedFd(int fd, String name) {
}
