package dev.grace.boot.handover;

import java.util.Map;

/**
 * Where this process stands in a chain of restarts: its generation and, when a grace
 * parent started it, that parent's pid and the descriptor to announce readiness on. The
 * parent is named explicitly because after one restart {@code getppid()} is init or a
 * subreaper.
 *
 * @param generation 1 for a process started by hand, +1 per handover
 * @param parentPid the grace parent's pid, or -1
 * @param readyFd the readiness descriptor, or -1
 */
public record Lineage(int generation, long parentPid, int readyFd) {

	public static final String GENERATION = "GRACE_GENERATION";

	public static final String PARENT_PID = "GRACE_PARENT_PID";

	public static final String READY_FD = "GRACE_READY_FD";

	/**
	 * Reads the lineage a grace parent left in the environment.
	 * @param env the environment
	 * @return the lineage, generation 1 without a parent when nothing was left
	 * @throws InvalidListenFdsException when a variable is malformed
	 */
	public static Lineage fromEnvironment(Map<String, String> env) {
		int generation = (int) number(env, GENERATION, 1, 1, Integer.MAX_VALUE);
		long parentPid = number(env, PARENT_PID, -1, 1, Long.MAX_VALUE);
		int readyFd = (int) number(env, READY_FD, -1, 3, 65535);
		if ((parentPid == -1) != (readyFd == -1)) {
			throw new InvalidListenFdsException(PARENT_PID + " and " + READY_FD + " must be set together");
		}
		return new Lineage(generation, parentPid, readyFd);
	}

	/**
	 * Whether a grace parent waits for this process to be ready.
	 * @return true when started by a handover
	 */
	public boolean hasParent() {
		return this.readyFd >= 0;
	}

	private static long number(Map<String, String> env, String name, long absent, long min, long max) {
		String value = env.get(name);
		if (value == null) {
			return absent;
		}
		try {
			long n = Long.parseLong(value.trim());
			if (n >= min && n <= max) {
				return n;
			}
		}
		catch (NumberFormatException ex) {
			// reported below
		}
		throw new InvalidListenFdsException(name + "='" + value + "' is not a number from " + min + " to " + max);
	}

}
