/**
 * The container supervisor: when the application is PID 1 of a container (or runs
 * behind tini, dumb-init or {@code sh -c}, which exit when their child does), the first
 * JVM turns, in place, into a small process that stays while the application restarts
 * under it. Internal: not an API.
 */
@NullMarked
package dev.grace.boot.internal.supervisor;

import org.jspecify.annotations.NullMarked;
