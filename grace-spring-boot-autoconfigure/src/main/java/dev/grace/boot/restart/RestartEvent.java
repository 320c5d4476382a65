package dev.grace.boot.restart;

import org.jspecify.annotations.Nullable;

/**
 * A step of a restart, published as an application event in the serving process, on the
 * restart's own thread (never on a signal thread).
 *
 * @param step the step
 * @param childPid the new process's pid, or -1 before it is started
 * @param reason why the restart failed or was refused, for {@link Step#FAILED} and
 * {@link Step#REFUSED}; null otherwise
 * @since 0.1.0
 */
public record RestartEvent(Step step, long childPid, @Nullable String reason) {

	/** The steps, in the order a successful restart takes them. */
	public enum Step {

		/** A restart was asked for and accepted. */
		REQUESTED,
		/** The new process was started with the listening sockets. */
		CHILD_STARTED,
		/** The new process said it is fully started. */
		CHILD_READY,
		/**
		 * This process handed over: it stopped accepting and finishes what it has; the new
		 * one serves. The moment to say goodbye to long-lived clients (a last server-sent
		 * event with {@code retry:}, a WebSocket close with the application's own reason):
		 * {@code grace.long-lived.notice} later the starter ends what is left, WebSocket
		 * sessions with 1001 Going Away and streams with a well-formed end.
		 */
		DRAINING,
		/** The restart did not happen; this process keeps serving. */
		FAILED,
		/**
		 * The restart was refused before anything was started, the only step then: no
		 * room for a new process beside this one (memory); this process keeps serving.
		 */
		REFUSED

	}

}
