package dev.grace.demo.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code /proc/<pid>/stat} says of a process, read after the command name, which may
 * hold spaces and parentheses.
 */
public final class ProcStat {

	/** The state of a process that is gone (or was never there). */
	public static final char GONE = '?';

	private ProcStat() {
	}

	/**
	 * The state letter: {@code S} sleeping, {@code R} running, {@code T} stopped,
	 * {@code Z} zombie.
	 * @param pid the process
	 * @return its state, or {@link #GONE}
	 */
	public static char state(long pid) {
		String[] fields = fields(pid);
		return (fields != null) ? fields[0].charAt(0) : GONE;
	}

	/**
	 * The CPU time a process used, its reaped children's included: utime + stime + cutime
	 * + cstime.
	 * @param pid the process
	 * @return clock ticks (100 per second), or -1 once it is gone
	 */
	public static long cpuTicks(long pid) {
		String[] fields = fields(pid);
		if (fields == null) {
			return -1;
		}
		// state is field 3 of stat, utime field 14: index 11 here
		return Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
				+ Long.parseLong(fields[14]);
	}

	/**
	 * The CPU a process used itself, in clock ticks (10 ms): user and system time, not
	 * that of the children it reaped.
	 * @param pid the process
	 * @return the ticks, or -1 once it is gone
	 */
	public static long ownCpuTicks(long pid) {
		String[] fields = fields(pid);
		if (fields == null) {
			return -1;
		}
		return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
	}

	private static String[] fields(long pid) {
		try {
			String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
			return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
		}
		catch (IOException ex) {
			return null;
		}
	}

}
