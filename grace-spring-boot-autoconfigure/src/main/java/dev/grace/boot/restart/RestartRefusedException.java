package dev.grace.boot.restart;

/**
 * A restart that was not started because the process cannot take one now (it is still
 * starting, one is under way, or it is draining or stopping), or because the new process
 * could not run (its working directory or jar is gone, or a memory limit leaves no room
 * for it). Nothing changed.
 *
 * @since 0.1.0
 */
public class RestartRefusedException extends RuntimeException {

	/**
	 * Creates the exception.
	 * @param reason why, as one plain sentence
	 */
	public RestartRefusedException(String reason) {
		super(reason);
	}

}
