package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

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

	private static final Log logger = LogFactory.getLog(Lineage.class);

	private static final Lineage STARTED_BY_HAND = new Lineage(1, -1, -1);

	public static final String GENERATION = "GRACE_GENERATION";

	public static final String PARENT_PID = "GRACE_PARENT_PID";

	public static final String READY_FD = "GRACE_READY_FD";

	/**
	 * Reads the lineage a grace parent left in the environment. The variables count only
	 * when the named parent is this process's parent and the descriptor is a pipe: a
	 * process that merely inherited them (the JDK's process API hands on the environment
	 * this JVM started with) is a process started by hand.
	 * @param env the environment
	 * @param actualParentPid this process's parent pid
	 * @return the lineage, generation 1 without a parent when nothing was left
	 * @throws InvalidListenFdsException when a variable is malformed
	 */
	public static Lineage fromEnvironment(Map<String, String> env, long actualParentPid) {
		int generation = (int) number(env, GENERATION, 1, 1, Integer.MAX_VALUE);
		long parentPid = number(env, PARENT_PID, -1, 1, Long.MAX_VALUE);
		int readyFd = (int) number(env, READY_FD, -1, 3, 65535);
		if ((parentPid == -1) != (readyFd == -1)) {
			throw new InvalidListenFdsException(PARENT_PID + " and " + READY_FD + " must be set together");
		}
		if (parentPid == -1) {
			return STARTED_BY_HAND;
		}
		if (parentPid != actualParentPid || !isPipe(readyFd)) {
			logger.warn("Ignoring " + PARENT_PID + "=" + parentPid + " and " + READY_FD + "=" + readyFd
					+ ": this process was not started by that grace parent");
			return STARTED_BY_HAND;
		}
		return new Lineage(generation, parentPid, readyFd);
	}

	private static boolean isPipe(int fd) {
		try {
			return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString().startsWith("pipe:");
		}
		catch (IOException ex) {
			return false;
		}
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
