package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.stream.Stream;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.byref.IntByReference;
import org.jspecify.annotations.Nullable;

/**
 * A thread's CPU priority on Linux, where the nice value and the scheduling policy belong
 * to each thread and a new thread or process starts with those of the thread that made
 * it: so a thread lowered or raised first starts a process whose every thread (GC and
 * compiler included) runs that way from its first instruction.
 */
public final class CpuPriority {

	/** The lowest nice value. */
	public static final int NICEST = 19;

	/** The highest nice value. */
	public static final int LEAST_NICE = -20;

	private static final int PRIO_PROCESS = 0;

	// sched.h: runs only when nothing else wants the CPU, and any other thread that wakes
	// takes the CPU from it at once
	private static final int SCHED_IDLE = 5;

	private static final int PASSES = 5;

	private static volatile @Nullable Calls calls;

	private CpuPriority() {
	}

	/**
	 * Puts the calling thread in the {@code SCHED_IDLE} policy, which any thread may
	 * enter but (without {@code CAP_SYS_NICE}) not leave.
	 * @return whether it did
	 */
	public static boolean idleCallingThread() {
		try {
			return calls().sched_setscheduler(0, SCHED_IDLE, new IntByReference(0)) == 0;
		}
		catch (RuntimeException | LinkageError ex) {
			return false;
		}
	}

	/**
	 * The calling thread's nice value.
	 * @return the value
	 */
	public static int niceOfCallingThread() {
		return NativePosix.get().getpriority(PRIO_PROCESS, 0);
	}

	/**
	 * Sets the calling thread's nice value. Raising it is always allowed; lowering it
	 * needs {@code CAP_SYS_NICE} or a {@code RLIMIT_NICE} that allows it.
	 * @param nice the value
	 * @return whether it was set
	 */
	public static boolean setNiceOfCallingThread(int nice) {
		try {
			// on Linux, 0 names the calling thread only
			return NativePosix.get().setpriority(PRIO_PROCESS, 0, nice) == 0;
		}
		catch (RuntimeException | LinkageError ex) {
			return false;
		}
	}

	/**
	 * Sets the nice value of every thread of this process, those a thread still at the
	 * old value makes meanwhile included (a few passes, until one finds none left).
	 * @param nice the value
	 * @return the threads whose value was changed
	 */
	public static int setNiceOfEveryThread(int nice) {
		int changed = 0;
		for (int pass = 0; pass < PASSES; pass++) {
			int changedNow = setNiceOfThreads((tid) -> true, (current) -> current != nice, nice);
			changed += changedNow;
			if (changedNow == 0) {
				break;
			}
		}
		return changed;
	}

	/**
	 * Sets the nice value of this process's threads whose name starts with a prefix and
	 * whose value now passes a test.
	 * @param prefix the prefix, at most the 15 characters Linux keeps of a name
	 * @param current the test of a thread's value now
	 * @param nice the value
	 * @return the threads whose value was changed
	 */
	public static int setNiceOfThreadsNamed(String prefix, IntPredicate current, int nice) {
		return setNiceOfThreads((tid) -> name(tid).startsWith(prefix), current, nice);
	}

	private static int setNiceOfThreads(IntPredicate which, IntPredicate current, int nice) {
		int changed = 0;
		for (int tid : threads()) {
			// a thread gone meanwhile fails both calls: nothing to do
			if (which.test(tid) && current.test(NativePosix.get().getpriority(PRIO_PROCESS, tid))
					&& NativePosix.get().setpriority(PRIO_PROCESS, tid, nice) == 0) {
				changed++;
			}
		}
		return changed;
	}

	private static String name(int tid) {
		try {
			return Files.readString(Path.of("/proc/self/task", Integer.toString(tid), "comm")).trim();
		}
		catch (IOException ex) {
			return ""; // gone meanwhile
		}
	}

	private static List<Integer> threads() {
		try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
			return tasks.map((task) -> Integer.valueOf(task.getFileName().toString())).toList();
		}
		catch (IOException | NumberFormatException ex) {
			return List.of();
		}
	}

	private static Calls calls() {
		Calls result = calls;
		if (result == null) {
			synchronized (CpuPriority.class) {
				result = calls;
				if (result == null) {
					result = LibraryLoader.create(Calls.class)
						.load(Platform.getNativePlatform().getStandardCLibraryName());
					calls = result;
				}
			}
		}
		return result;
	}

	/**
	 * The bound calls.
	 */
	public interface Calls {

		// the parameter is struct sched_param, one int (0 for SCHED_IDLE)
		int sched_setscheduler(int pid, int policy, IntByReference parameter);

	}

}
