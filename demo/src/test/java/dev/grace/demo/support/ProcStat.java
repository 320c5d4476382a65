package dev.grace.demo.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

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

	/**
	 * The CPU each thread of a process named with one of some prefixes has used, in clock
	 * ticks (10 ms): user and system time.
	 * @param pid the process
	 * @param prefixes the beginnings of the names of the threads to read (the kernel keeps
	 * the first 15 characters of a name)
	 * @return the ticks by thread id, empty once the process is gone
	 */
	public static Map<Long, Long> threadCpuTicks(long pid, List<String> prefixes) {
		Map<Long, Long> ticks = new HashMap<>();
		try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
			tasks.forEach((task) -> {
				String stat = read(task.resolve("stat"));
				if (stat != null) {
					String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
					if (prefixes.stream().anyMatch(name::startsWith)) {
						String[] fields = fields(stat);
						ticks.put(Long.parseLong(task.getFileName().toString()),
								Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
					}
				}
			});
		}
		catch (IOException ex) {
			// gone
		}
		return ticks;
	}

	private static String[] fields(long pid) {
		String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
		return (stat != null) ? fields(stat) : null;
	}

	private static String[] fields(String stat) {
		return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
	}

	private static String read(Path stat) {
		try {
			return Files.readString(stat);
		}
		catch (IOException ex) {
			return null;
		}
	}

}
