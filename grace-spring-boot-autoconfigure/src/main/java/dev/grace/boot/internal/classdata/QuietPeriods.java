package dev.grace.boot.internal.classdata;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Whether the serving process is quiet: over each interval between two samples it used
 * less than a tenth of one CPU, and it has been so for a second. A side run trains only
 * then. The scheduler cannot make a side run free on its own: where two CPUs share a core
 * (hyperthreads; most cloud VMs' vCPUs), what runs on one slows the other down, whatever
 * its priority. On the 2 vCPUs of this project's machine a shell loop in
 * {@code SCHED_IDLE} took 15–40 % of a serving process's throughput under {@code wrk},
 * a nice 19 one as much.
 */
final class QuietPeriods {

	static final double BUSY_SHARE = 0.1;

	static final Duration QUIET_FOR = Duration.ofSeconds(1);

	private static final long NOT_QUIET = Long.MIN_VALUE;

	private final LongSupplier cpuNanos;

	private final LongSupplier clock;

	private long lastWall;

	private long lastCpu;

	private long quietSince = NOT_QUIET;

	/**
	 * Watches a process's CPU time.
	 * @param cpuNanos the CPU time the process has used, in nanoseconds
	 * @param clock a monotonic clock, in nanoseconds
	 */
	QuietPeriods(LongSupplier cpuNanos, LongSupplier clock) {
		this.cpuNanos = cpuNanos;
		this.clock = clock;
		this.lastWall = clock.getAsLong();
		this.lastCpu = cpuNanos.getAsLong();
	}

	/** Watches this process, by the CPU time the JVM reports for it. */
	static QuietPeriods ofThisProcess() {
		com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory
			.getOperatingSystemMXBean();
		return new QuietPeriods(os::getProcessCpuTime, System::nanoTime);
	}

	/**
	 * Takes a sample.
	 * @return whether the process has been quiet for {@link #QUIET_FOR} up to now; a
	 * busy interval makes it {@code false} at once
	 */
	boolean quiet() {
		long wall = this.clock.getAsLong();
		long cpu = this.cpuNanos.getAsLong();
		long elapsed = wall - this.lastWall;
		if (elapsed > 0) {
			boolean busy = cpu - this.lastCpu > BUSY_SHARE * elapsed;
			if (busy) {
				this.quietSince = NOT_QUIET;
			}
			else if (this.quietSince == NOT_QUIET) {
				this.quietSince = this.lastWall;
			}
			this.lastWall = wall;
			this.lastCpu = cpu;
		}
		return this.quietSince != NOT_QUIET && wall - this.quietSince >= QUIET_FOR.toNanos();
	}

}
