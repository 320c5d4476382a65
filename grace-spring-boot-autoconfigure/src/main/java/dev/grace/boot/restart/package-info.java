/**
 * What an application sees of its restarts: {@link dev.grace.boot.restart.RestartHook}
 * beans run before a restart (and may veto it), {@link dev.grace.boot.restart.RestartEvent}s
 * mark each step, and {@link dev.grace.boot.restart.RestartState} and
 * {@link dev.grace.boot.restart.RestartReport} are what the {@code grace} endpoint shows.
 * Everything else of the starter is internal.
 */
@NullMarked
package dev.grace.boot.restart;

import org.jspecify.annotations.NullMarked;
