package dev.grace.boot.internal.posix;

import java.util.Map;
import java.util.function.IntFunction;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

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
 */
public final class StartPriority {

	/** The nice value a new process returns to once it is ready. */
	public static final String VARIABLE = "GRACE_START_NICE";

	private static final Log logger = LogFactory.getLog(StartPriority.class);

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
		String value = this.env.get(VARIABLE);
		if (value == null) {
			return;
		}
		int nice;
		try {
			nice = Integer.parseInt(value.trim());
		}
		catch (NumberFormatException ex) {
			logger.warn("Ignoring " + VARIABLE + "=" + value + ": not a nice value");
			return;
		}
		if (nice < CpuPriority.LEAST_NICE || nice > CpuPriority.NICEST) {
			logger.warn("Ignoring " + VARIABLE + "=" + value + ": not a nice value");
			return;
		}
		int changed = CpuPriority.setNiceOfEveryThread(nice);
		logger.info("Ready: " + changed + " thread(s) back from the start priority to nice " + nice
				+ ", the serving process's");
	}

}
