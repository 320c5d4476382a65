/**
 * The restart core's operating system on Linux: {@code posix_spawn} with inherited
 * descriptors, the readiness pipe, {@code waitpid}, the socket-activation variables and
 * what {@code /proc} says of sockets. Internal: not an API.
 */
@NullMarked
package dev.grace.boot.internal.posix;

import org.jspecify.annotations.NullMarked;
