package dev.grace.boot.restart;

/**
 * Where a process is in its life, as far as restarts go. The transitions are listed in
 * the restart core's package documentation.
 *
 * @since 0.1.0
 */
public enum RestartState {

	/** Not ready yet: a restart signal is remembered and runs once ready. */
	STARTING,
	/** Accepting connections; a restart may start. */
	SERVING,
	/** A new process is starting; a second restart is refused. */
	RESTARTING,
	/** The new process took over; this one finishes what it has and exits. */
	DRAINING,
	/** Asked to stop (SIGTERM, SIGINT, context closed). */
	STOPPING

}
