package dev.grace.boot.internal;

import java.time.Duration;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * How long a new process may take to be ready before it is stopped: the
 * {@code grace.ready-timeout} setting, or, when that is not set, ten times as long as
 * this process took to be ready, at least 60 s. A new process starts while this one
 * serves, on the same cores, so it takes longer than this one did: the benchmark's demo
 * took up to 28 s instead of its 5 s cold start while the load kept both cores busy, and
 * PetClinic more than 75 s after a 13 s start on a machine busy with other work too.
 * An application that waits 70 s for its database must not be killed at a fixed minute,
 * and one that is stuck must still be, some time: waiting long for it costs little, as
 * the old process serves on meanwhile.
 */
public final class ReadyTimeout {

	/** The least a derived timeout gives. */
	public static final Duration FLOOR = Duration.ofSeconds(60);

	/** How many times this process's own start a derived timeout gives. */
	public static final int FACTOR = 10;

	private final @Nullable Duration configured;

	private final Duration floor;

	// set once, when this process is ready; until then a derived timeout is the floor
	private volatile @Nullable Duration startup;

	private ReadyTimeout(@Nullable Duration configured, Duration floor) {
		this.configured = configured;
		this.floor = floor;
	}

	/**
	 * The timeout the user set.
	 * @param timeout the value of {@code grace.ready-timeout}
	 * @return the timeout
	 */
	public static ReadyTimeout configured(Duration timeout) {
		return new ReadyTimeout(timeout, timeout);
	}

	/**
	 * A timeout derived from this process's own start, once {@link #startedIn known}.
	 * @return the timeout
	 */
	public static ReadyTimeout derived() {
		return derived(FLOOR);
	}

	/**
	 * A timeout derived from this process's own start, with another floor (for tests).
	 * @param floor the least it gives
	 * @return the timeout
	 */
	public static ReadyTimeout derived(Duration floor) {
		return new ReadyTimeout(null, floor);
	}

	/**
	 * Records how long this process took to be ready: from the JVM's start to the
	 * application's readiness.
	 * @param startup that time
	 */
	public void startedIn(Duration startup) {
		this.startup = startup;
	}

	public boolean isConfigured() {
		return this.configured != null;
	}

	/**
	 * The timeout now.
	 * @return the configured value, or the larger of the floor and ten times this
	 * process's start
	 */
	public Duration value() {
		if (this.configured != null) {
			return this.configured;
		}
		Duration startup = this.startup;
		if (startup == null) {
			return this.floor;
		}
		Duration derived = startup.multipliedBy(FACTOR);
		return (derived.compareTo(this.floor) > 0) ? derived : this.floor;
	}

	/**
	 * The value and where it comes from, for log lines and failure reasons, such as
	 * {@code 750 s (10 times the 75.0 s this process took to be ready)}.
	 * @return the description
	 */
	@Override
	public String toString() {
		Duration value = value();
		if (this.configured != null) {
			return seconds(value) + " (grace.ready-timeout)";
		}
		Duration startup = this.startup;
		if (startup == null) {
			return seconds(value) + " (grace.ready-timeout is not set and this process is not ready yet)";
		}
		String times = FACTOR + " times the " + seconds(startup) + " this process took to be ready";
		return (value.equals(this.floor)) ? seconds(value) + " (the least it gets; " + times + " is less)"
				: seconds(value) + " (" + times + ")";
	}

	/**
	 * A duration in seconds, for people: {@code 60 s}, {@code 0.1 s}, {@code 75.3 s}.
	 * @param duration the duration
	 * @return it in seconds
	 */
	static String seconds(Duration duration) {
		long millis = duration.toMillis();
		if (millis % 1000 == 0) {
			return (millis / 1000) + " s";
		}
		return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
	}

}
