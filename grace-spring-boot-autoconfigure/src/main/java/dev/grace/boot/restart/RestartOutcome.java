package dev.grace.boot.restart;

/**
 * What became of a restart.
 *
 * @since 0.1.0
 */
public enum RestartOutcome {

	/** The new process is starting. */
	IN_PROGRESS,
	/** The new process is ready and serves; this one drains. */
	SUCCEEDED,
	/** No new process took over; this one keeps serving. */
	FAILED,
	/**
	 * Refused before anything was started: no room for a new process beside this one
	 * (memory); this one keeps serving.
	 */
	REFUSED

}
