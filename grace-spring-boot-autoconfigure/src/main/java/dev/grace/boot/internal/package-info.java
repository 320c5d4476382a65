/**
 * The restart core: one state machine ({@link dev.grace.boot.internal.Restarter}) and
 * the small interfaces it drives the operating system through, so that unit tests can
 * drive every transition with fakes. The posix implementation is in
 * {@code dev.grace.boot.internal.posix}; Spring glue only turns Spring events into
 * calls of the core. Internal: not an API.
 *
 * <h2>States and transitions</h2>
 * <pre>
 * from        on                                   to          side effects
 * ----------  -----------------------------------  ----------  ---------------------------------------
 * STARTING    ready()                              SERVING     tell the managers, close unclaimed
 *                                                              inherited sockets, open the accept gate,
 *                                                              tell the parent; run a restart signalled
 *                                                              while starting
 * STARTING    signal()                             STARTING    remembered (several coalesce into one)
 * STARTING    request()                            STARTING    refused: still starting
 * STARTING    stop()                               STOPPING    the parent is never told
 * SERVING     signal() / request()                 RESTARTING  worker thread: hooks, read and log the
 *                                                              release (jar, directory), spawn, await
 *                                                              ready
 * SERVING     signal() / request() without room    SERVING     refused on the caller's thread (409):
 *             for a new process (memory limit)                 REFUSED report, REFUSED event
 * RESTARTING  signal() / request()                 RESTARTING  refused: a restart is in progress
 *                                                              (any refusal: the managers are told on
 *                                                              the caller's thread)
 * RESTARTING  hook veto, release gone, spawn       SERVING     child stopped and reaped, FAILED event
 *             error, child exits before ready,
 *             ready timeout, child exits right
 *             after ready
 * RESTARTING  child ready                          DRAINING    stop accepting, DRAINING event, end
 *                                                              long-lived connections after a notice,
 *                                                              then close and exit
 * RESTARTING  stop()                               STOPPING    the child is stopped and reaped
 * DRAINING    signal() / request() / stop()        DRAINING    refused / ignored: already exiting
 * STOPPING    anything                             STOPPING    refused / ignored
 * </pre>
 * Every transition goes through {@code Restarter.move} under one lock; the lock is never
 * held while user code (hooks, event listeners) or the operating system (spawn, kill,
 * wait) runs. User code runs on the restart's own thread, never on a signal thread.
 */
@NullMarked
package dev.grace.boot.internal;

import org.jspecify.annotations.NullMarked;
