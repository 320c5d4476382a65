package dev.grace.boot.internal;

import java.util.List;

import dev.grace.boot.restart.RestartRefusedException;
import dev.grace.boot.restart.RestartRelease;

/**
 * Starts the next process of this application with the listening sockets handed down.
 */
public interface Spawner {

	/**
	 * Reads what the next process runs, now, and checks that it can.
	 * @return the next process, not started
	 * @throws RestartRefusedException when it could not run; the message says why
	 */
	NextProcess prepare();

	/**
	 * Checks, at once, that a new process has room to run beside this one (memory under
	 * a cgroup limit). Called on the thread that asks for the restart, a signal thread
	 * too, before anything changes: it reads a few files and runs no user code.
	 * @throws RestartRefusedException when it has not; the message says why
	 */
	default void checkRoom() {
	}

	/**
	 * The next process, read and checked, not started yet.
	 */
	interface NextProcess {

		/**
		 * What it runs, for the status.
		 * @return its jar and working directory
		 */
		RestartRelease release();

		/**
		 * What it runs, for the log: one line, with the targets of symbolic links.
		 * @return the line
		 */
		String summary();

		/**
		 * Starts it.
		 * @param sockets the listening sockets to hand down, in order
		 * @return the running child
		 * @throws Exception when it cannot be started; nothing is left running then
		 */
		SpawnedChild spawn(List<NamedSocket> sockets) throws Exception;

	}

}
