package dev.grace.boot.internal.classdata;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.grace.boot.internal.posix.NativePosix;

/**
 * Runs a side run only while the serving process is quiet ({@link QuietPeriods}): it
 * starts once this process is quiet, is stopped ({@code SIGSTOP}, with the processes it
 * started) the moment this process gets busy, and continued once it has been quiet again.
 * Its time limit counts only the time it ran; one stopped for longer than a limit of its
 * own is ended, to free its memory, and the training starts again at the next quiet
 * period.
 */
final class SideRunPacer {

	static final Duration INTERVAL = Duration.ofMillis(100);

	// While no side run works, a sample only looks for the quiet second that lets one
	// work, and it wakes a thread of a process busy at that moment: the pacer sampling ten
	// times a second and the side run's reaper polling as often took 0.8-1.0 % of a
	// serving process's CPU under the mixed load on 2 cores (bench/startup, 2026-12-06),
	// four times a second and ten 0.45-0.75 % (2026-12-07). The price: a side run resumes
	// up to 500 ms later, and a sample spans 500 ms, so a burst of up to 50 ms of CPU in
	// it still counts as quiet.
	static final Duration WAITING_INTERVAL = Duration.ofMillis(500);

	static final Duration LONGEST_PAUSE = Duration.ofSeconds(60);

	static final Duration SAY_WAITING_AFTER = Duration.ofMinutes(1);

	private static final Log logger = LogFactory.getLog(SideRunPacer.class);

	private final QuietPeriods quiet;

	private final Signals signals;

	private final LongSupplier clock;

	private final Duration longestPause;

	/**
	 * Paces side runs by this process's CPU time, with real signals.
	 */
	SideRunPacer() {
		this(QuietPeriods.ofThisProcess(), Signals.POSIX, System::nanoTime, LONGEST_PAUSE);
	}

	SideRunPacer(QuietPeriods quiet, Signals signals, LongSupplier clock, Duration longestPause) {
		this.quiet = quiet;
		this.signals = signals;
		this.clock = clock;
		this.longestPause = longestPause;
	}

	/**
	 * Waits until this process is quiet.
	 * @param closed whether to give up
	 * @return {@code false} when given up
	 */
	boolean awaitQuiet(BooleanSupplier closed) throws InterruptedException {
		long start = this.clock.getAsLong();
		boolean said = false;
		while (!this.quiet.quiet()) {
			if (closed.getAsBoolean()) {
				return false;
			}
			if (!said && this.clock.getAsLong() - start > SAY_WAITING_AFTER.toNanos()) {
				said = true;
				logger.info("Class data: training waits for this process to be quiet (a second using less than "
						+ Math.round(QuietPeriods.BUSY_SHARE * 100) + " % of a CPU); it has been busy for "
						+ SAY_WAITING_AFTER.toSeconds() + " s");
			}
			Thread.sleep(WAITING_INTERVAL.toMillis());
		}
		return !closed.getAsBoolean();
	}

	/**
	 * Lets a side run work while this process is quiet, until it exits.
	 * @param process the side run, just started
	 * @param timeout how long it may run, its stopped time not counted
	 * @return how it ended
	 */
	Paced pace(Process process, Duration timeout) throws InterruptedException {
		long ran = 0;
		long paused = 0;
		int pauses = 0;
		long stoppedAt = -1;
		long last = this.clock.getAsLong();
		while (true) {
			Duration interval = (stoppedAt < 0) ? INTERVAL : WAITING_INTERVAL;
			if (process.waitFor(interval.toMillis(), TimeUnit.MILLISECONDS)) {
				if (stoppedAt >= 0) {
					paused += this.clock.getAsLong() - stoppedAt;
				}
				return new Paced(Paced.Ending.EXITED, ran, paused, pauses);
			}
			long now = this.clock.getAsLong();
			if (stoppedAt < 0) {
				ran += now - last;
			}
			last = now;
			boolean quiet = this.quiet.quiet();
			if (stoppedAt < 0 && !quiet) {
				this.signals.stop(process);
				stoppedAt = now;
				pauses++;
			}
			else if (stoppedAt >= 0 && quiet) {
				this.signals.resume(process);
				paused += now - stoppedAt;
				stoppedAt = -1;
			}
			if (ran > timeout.toNanos()) {
				return new Paced(Paced.Ending.TIMED_OUT, ran, paused, pauses);
			}
			if (stoppedAt >= 0 && now - stoppedAt > this.longestPause.toNanos()) {
				return new Paced(Paced.Ending.PAUSED_TOO_LONG, ran, paused + now - stoppedAt, pauses);
			}
		}
	}

	/**
	 * How a paced side run ended.
	 * @param ending what ended it
	 * @param ranNanos how long it ran
	 * @param pausedNanos how long it was stopped
	 * @param pauses how many times it was stopped
	 */
	record Paced(Ending ending, long ranNanos, long pausedNanos, int pauses) {

		enum Ending {

			/** It exited by itself. */
			EXITED,

			/** It ran longer than it may. */
			TIMED_OUT,

			/** It was stopped longer than it may. */
			PAUSED_TOO_LONG

		}

		String pausesSummary() {
			return (this.pauses == 0) ? "never paused"
					: "paused " + this.pauses + " time(s), " + Duration.ofNanos(this.pausedNanos).toMillis()
							+ " ms in all, while this process was busy";
		}

	}

	/** Stops and continues a process and the processes it started. */
	interface Signals {

		int SIGCONT = 18;

		int SIGSTOP = 19;

		Signals POSIX = new Signals() {

			@Override
			public void stop(Process process) {
				signal(process, SIGSTOP);
			}

			@Override
			public void resume(Process process) {
				signal(process, SIGCONT);
			}

			// JDK 25 writes the AOT cache in a JVM the side run starts at its exit
			private void signal(Process process, int signal) {
				NativePosix.get().kill((int) process.pid(), signal);
				process.descendants().forEach((p) -> NativePosix.get().kill((int) p.pid(), signal));
			}

		};

		void stop(Process process);

		void resume(Process process);

	}

}
