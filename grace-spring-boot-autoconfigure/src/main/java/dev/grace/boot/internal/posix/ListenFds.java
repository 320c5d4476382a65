package dev.grace.boot.internal.posix;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The systemd socket-activation protocol ({@code sd_listen_fds(3)}), read the way
 * {@code sd_listen_fds_with_names} reads it: descriptors start at 3, {@code LISTEN_FDS}
 * counts them, {@code LISTEN_FDNAMES} names them, and all of it is ignored unless
 * {@code LISTEN_PID} is this process (or, without {@code LISTEN_PID}, unless a grace
 * parent started it).
 */
public final class ListenFds {

	public static final String LISTEN_FDS = "LISTEN_FDS";

	public static final String LISTEN_PID = "LISTEN_PID";

	public static final String LISTEN_FDNAMES = "LISTEN_FDNAMES";

	/** First inherited descriptor, {@code SD_LISTEN_FDS_START}. */
	public static final int START = 3;

	/** More listeners than this is a mistake, not a configuration. */
	public static final int MAX = 256;

	private ListenFds() {
	}

	/**
	 * Reads the inherited descriptors announced in {@code env}.
	 * @param env the environment
	 * @param selfPid this process's pid
	 * @return the descriptors, empty when none were passed or they were meant for another
	 * process
	 * @throws InvalidListenFdsException when the variables are malformed
	 */
	public static List<InheritedFd> parse(Map<String, String> env, long selfPid) {
		return parse(env, selfPid, false);
	}

	/**
	 * Reads the inherited descriptors announced in {@code env}. A grace parent starts
	 * the next process with {@code posix_spawn} and no shell, so it cannot know the
	 * child's pid to put in {@code LISTEN_PID}: it leaves the variable out, and the
	 * descriptors count as this process's when its real parent is that grace parent.
	 * @param env the environment
	 * @param selfPid this process's pid
	 * @param startedByGraceParent whether the lineage check found this process's real
	 * parent to be the grace parent named in the environment
	 * @return the descriptors, empty when none were passed or they were meant for another
	 * process
	 * @throws InvalidListenFdsException when the variables are malformed
	 */
	public static List<InheritedFd> parse(Map<String, String> env, long selfPid, boolean startedByGraceParent) {
		String count = env.get(LISTEN_FDS);
		if (count == null) {
			return List.of();
		}
		String pid = env.get(LISTEN_PID);
		boolean ours = (pid != null) ? pid.trim().equals(Long.toString(selfPid)) : startedByGraceParent;
		if (!ours) {
			return List.of();
		}
		int n = parseCount(count);
		List<String> names = parseNames(env.get(LISTEN_FDNAMES), n);
		List<InheritedFd> fds = new ArrayList<>(n);
		for (int i = 0; i < n; i++) {
			fds.add(new InheritedFd(START + i, names.get(i)));
		}
		return List.copyOf(fds);
	}

	/**
	 * Whether {@code env} announces descriptors meant for another process, which
	 * {@code sd_listen_fds} silently ignores and we report.
	 * @param env the environment
	 * @param selfPid this process's pid
	 * @return true when LISTEN_FDS is set for a different pid
	 */
	public static boolean meantForAnotherProcess(Map<String, String> env, long selfPid) {
		String pid = env.get(LISTEN_PID);
		return env.containsKey(LISTEN_FDS) && pid != null && !pid.trim().equals(Long.toString(selfPid));
	}

	private static int parseCount(String value) {
		int n;
		try {
			n = Integer.parseInt(value.trim());
		}
		catch (NumberFormatException ex) {
			throw new InvalidListenFdsException(LISTEN_FDS + "='" + value + "' is not a number of descriptors");
		}
		if (n < 0 || n > MAX) {
			throw new InvalidListenFdsException(
					LISTEN_FDS + "=" + n + " is out of range: expected 0 to " + MAX + " descriptors");
		}
		return n;
	}

	private static List<String> parseNames(String value, int n) {
		if (value == null) {
			return java.util.Collections.nCopies(n, "unknown");
		}
		List<String> names = (n == 0 && value.isEmpty()) ? List.of() : List.of(value.split(":", -1));
		if (names.size() != n) {
			throw new InvalidListenFdsException(LISTEN_FDNAMES + "='" + value + "' names " + names.size()
					+ " descriptors but " + LISTEN_FDS + "=" + n);
		}
		return names;
	}

}
