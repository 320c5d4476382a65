package dev.grace.boot.handover;

/**
 * Runs in the serving process just before a restart spawns the next one: flush a cache,
 * check the new jar, refuse the restart. Beans of this type run in their {@code @Order}.
 * An exception cancels that restart; the process keeps serving and the status shows the
 * reason.
 */
@FunctionalInterface
public interface PreStartProcess {

	/**
	 * Prepares for, or vetoes, the restart.
	 * @throws Exception to cancel the restart
	 */
	void beforeStart() throws Exception;

}
