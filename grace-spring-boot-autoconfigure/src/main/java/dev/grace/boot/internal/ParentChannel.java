package dev.grace.boot.internal;

/**
 * The process that started this one, seen from here (tableflip's {@code parent}).
 */
public interface ParentChannel {

	/** For a process started by hand. */
	ParentChannel NONE = new ParentChannel() {

		@Override
		public long pid() {
			return -1;
		}

		@Override
		public boolean notifyReady() {
			return false;
		}

	};

	/**
	 * The parent's pid.
	 * @return its pid, -1 when none waits for this process
	 */
	long pid();

	/**
	 * Tells the parent this process is ready to take over. Does nothing without a parent
	 * or the second time.
	 * @return true if the parent was told now
	 */
	boolean notifyReady();

}
