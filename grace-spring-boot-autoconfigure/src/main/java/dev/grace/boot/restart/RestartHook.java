package dev.grace.boot.restart;

/**
 * Runs in the serving process just before a restart starts the new process: flush a
 * cache, check the new jar, refuse the restart. Beans of this type run in their
 * {@code @Order}, on the restart's own thread. An exception cancels that restart; the
 * process keeps serving and the status shows the reason.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface RestartHook {

	/**
	 * Prepares for, or vetoes, the restart.
	 * @throws Exception to cancel the restart
	 */
	void beforeRestart() throws Exception;

}
