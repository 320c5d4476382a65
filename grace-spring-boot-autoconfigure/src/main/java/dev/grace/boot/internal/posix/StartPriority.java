package dev.grace.boot.internal.posix;

import java.util.Map;
import java.util.function.IntFunction;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.grace.boot.internal.ServiceManager;

/**
 * A restarted process starts at a higher CPU priority than the serving one, and takes
 * the serving process's back once it is ready. On a busy machine a new JVM otherwise
 * gets one share among every busy thread (each request thread counts), and its start,
 * which is mostly one thread, stretches several times over.
 * <p>
 * The spawning thread lowers its own nice value for the spawn (the new process inherits
 * it, every thread its JVM makes included) and raises it back right after; the new
 * process, told the value to return to ({@value #VARIABLE}), sets it on each of its
 * threads when it is ready, before it accepts a connection. Lowering a nice value needs
 * {@code CAP_SYS_NICE} or a {@code RLIMIT_NICE} that allows it; without either the new
 * process starts at the serving process's priority, which is logged once. Raising one is
 * always allowed, so neither process can be left at the higher priority.
 * <p>
 * Until it is ready, the new process also keeps its C2 compiler threads at the lowest
 * priority ({@link #lowerCompilerThreads}). With an AOT cache's method profiles (JDK 25)
 * C2 compiles from the first second: on 2 cores it took 1.8 s of CPU in a 3.2 s start, C1
 * 0.95 s and the main thread, which the start waits for, 1.55 s. By hand (Java 25,
 * extracted layout, its AOT cache, 8 interleaved pairs) "Started … in" read 1.67–1.95 s
 * with C2 at nice 19 against 1.95–2.30 s without. Only a process told the value to return
 * to does it: lowering a nice value back takes the same right as the boost, and a C2
 * thread left at nice 19 would starve the JIT for the process's whole life.
 */
public final class StartPriority {

	/** The nice value a new process returns to once it is ready. */
	public static final String VARIABLE = "GRACE_START_NICE";

	private static final Log logger = LogFactory.getLog(StartPriority.class);

	// HotSpot's names, as Linux keeps them (15 characters): "C2 CompilerThread0", ...
	private static final String C2_COMPILER_THREADS = "C2 CompilerThre";

	private final int boost;

	private final Map<String, String> env;

	private volatile boolean refusalLogged;

	/**
	 * Creates the start priority of this process's children and its own return.
	 * @param boost nice steps above this process, 0 for none
	 * @param env this process's environment
	 */
	public StartPriority(int boost, Map<String, String> env) {
		this.boost = boost;
		this.env = env;
	}

	/**
	 * Runs a spawn on the calling thread, at the higher priority when allowed.
	 * @param <T> what the spawn gives
	 * @param spawn the spawn, given the variables the new process needs (none without a
	 * boost)
	 * @return what it gave
	 */
	<T> T spawn(IntFunction<T> spawn) {
		if (this.boost == 0) {
			return spawn.apply(Integer.MIN_VALUE);
		}
		int own = CpuPriority.niceOfCallingThread();
		int raised = Math.max(CpuPriority.LEAST_NICE, own - this.boost);
		if (raised == own || !CpuPriority.setNiceOfCallingThread(raised)) {
			if (!this.refusalLogged) {
				this.refusalLogged = true;
				logger.info("New processes start at this process's CPU priority (nice " + own + "): starting them "
						+ "at nice " + raised + " (grace.start-priority-boost) needs CAP_SYS_NICE or a LimitNICE "
						+ "that allows it");
			}
			return spawn.apply(Integer.MIN_VALUE);
		}
		try {
			return spawn.apply(own);
		}
		finally {
			CpuPriority.setNiceOfCallingThread(own);
		}
	}

	/**
	 * The new process's half, told when it is ready, before it accepts a connection.
	 * @return the manager that returns this process to the serving priority
	 */
	public ServiceManager asServiceManager() {
		return new ServiceManager() {

			@Override
			public void ready() {
				StartPriority.this.ready();
			}

			@Override
			public String toString() {
				return "start priority";
			}

		};
	}

	void ready() {
		Integer nice = returnTo(this.env, true);
		if (nice == null) {
			return;
		}
		int changed;
		synchronized (StartPriority.class) {
			changed = CpuPriority.setNiceOfEveryThread(nice);
		}
		logger.info("Ready: " + changed + " thread(s) back from the start priority to nice " + nice
				+ ", the serving process's");
	}

	/**
	 * In a new process that starts at the boosted priority, puts the C2 compiler threads
	 * still above the serving priority at the lowest one, where they stay until it is
	 * ready; elsewhere, and once it is ready, does nothing.
	 * @param env this process's environment
	 * @return the threads lowered
	 */
	public static int lowerCompilerThreads(Map<String, String> env) {
		Integer serving = returnTo(env, false);
		if (serving == null) {
			return 0;
		}
		// with ready(): a thread it put back is at the serving priority, and is left there
		synchronized (StartPriority.class) {
			int lowered = CpuPriority.setNiceOfThreadsNamed(C2_COMPILER_THREADS, (nice) -> nice < serving,
					CpuPriority.NICEST);
			logger.debug("Starting: " + lowered + " C2 compiler thread(s) at nice " + CpuPriority.NICEST
					+ " until ready");
			return lowered;
		}
	}

	private static @Nullable Integer returnTo(Map<String, String> env, boolean warn) {
		String value = env.get(VARIABLE);
		if (value == null) {
			return null;
		}
		try {
			int nice = Integer.parseInt(value.trim());
			if (nice >= CpuPriority.LEAST_NICE && nice <= CpuPriority.NICEST) {
				return nice;
			}
		}
		catch (NumberFormatException ex) {
			// told below
		}
		if (warn) {
			logger.warn("Ignoring " + VARIABLE + "=" + value + ": not a nice value");
		}
		return null;
	}

}
