package dev.grace.boot.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.grace.boot.restart.RestartReport;
import dev.grace.boot.restart.RestartTrigger;

/**
 * What a chain of restarted processes knows of its restarts, kept across the handover:
 * every restart starts a fresh JVM, so a count kept in memory alone would start again at
 * zero in each process and a scraper would never see it grow. The parent hands its counts
 * down in the new process's environment, with what asked for the restart and when; the
 * new process adds the restart that made it once it is ready, and a process that stays
 * serving adds the restarts that failed or were refused in it.
 * <p>
 * Told of the restart's steps through {@link #asServiceManager()}; it only counts, so it
 * is safe on a signal thread.
 */
public final class RestartHistory {

	/** What asked for the restart that started this process: {@code signal} or {@code actuator}. */
	public static final String TRIGGER = "GRACE_RESTART_TRIGGER";

	/** When that restart was asked for, in milliseconds since the epoch (another JVM's clock). */
	public static final String REQUESTED_AT = "GRACE_RESTART_REQUESTED_AT";

	/**
	 * The counts of the processes before this one: {@code succeeded.signal=2,failed.actuator=1,…}
	 * then {@code duration.count=2,duration.millis=47288,drain.count=1,drain.millis=927}.
	 */
	public static final String TALLY = "GRACE_RESTART_TALLY";

	private static final Log logger = LogFactory.getLog(RestartHistory.class);

	private static final String DURATION_COUNT = "duration.count";

	private static final String DURATION_MILLIS = "duration.millis";

	private static final String DRAIN_COUNT = "drain.count";

	private static final String DRAIN_MILLIS = "drain.millis";

	private final Map<Outcome, Map<RestartTrigger, AtomicLong>> counts = new EnumMap<>(Outcome.class);

	private final AtomicLong durationCount = new AtomicLong();

	private final AtomicLong durationMillis = new AtomicLong();

	private final AtomicLong drainCount = new AtomicLong();

	private final AtomicLong drainMillis = new AtomicLong();

	private final @Nullable Origin origin;

	private final LongSupplier epochMillis;

	private volatile @Nullable Duration readyAfter;

	private volatile @Nullable RestartReport inProgress;

	private volatile @Nullable Failure lastFailure;

	RestartHistory(@Nullable Origin origin, Map<String, Long> tally, LongSupplier epochMillis) {
		for (Outcome outcome : Outcome.values()) {
			Map<RestartTrigger, AtomicLong> byTrigger = new EnumMap<>(RestartTrigger.class);
			for (RestartTrigger trigger : RestartTrigger.values()) {
				byTrigger.put(trigger, new AtomicLong(tally.getOrDefault(key(outcome, trigger), 0L)));
			}
			this.counts.put(outcome, byTrigger);
		}
		this.durationCount.set(tally.getOrDefault(DURATION_COUNT, 0L));
		this.durationMillis.set(tally.getOrDefault(DURATION_MILLIS, 0L));
		this.drainCount.set(tally.getOrDefault(DRAIN_COUNT, 0L));
		this.drainMillis.set(tally.getOrDefault(DRAIN_MILLIS, 0L));
		this.origin = origin;
		this.epochMillis = epochMillis;
	}

	/**
	 * Reads what the parent handed down. A value that cannot be read is logged and left
	 * out: counts are worth less than starting.
	 * @param env the environment this process started with
	 * @param restarted whether a grace parent started this process (its lineage says so):
	 * otherwise the variables were merely inherited and are ignored
	 * @return the history
	 */
	public static RestartHistory fromEnvironment(Map<String, String> env, boolean restarted) {
		return fromEnvironment(env, restarted, System::currentTimeMillis);
	}

	static RestartHistory fromEnvironment(Map<String, String> env, boolean restarted, LongSupplier epochMillis) {
		if (!restarted) {
			return new RestartHistory(null, Map.of(), epochMillis);
		}
		return new RestartHistory(origin(env), tally(env.get(TALLY)), epochMillis);
	}

	private static @Nullable Origin origin(Map<String, String> env) {
		String trigger = env.get(TRIGGER);
		String requestedAt = env.get(REQUESTED_AT);
		if (trigger == null || requestedAt == null) {
			return null;
		}
		try {
			return new Origin(RestartTrigger.valueOf(trigger.trim().toUpperCase(Locale.ROOT)),
					Instant.ofEpochMilli(Long.parseLong(requestedAt.trim())));
		}
		catch (IllegalArgumentException ex) {
			logger.warn("Ignoring " + TRIGGER + "='" + trigger + "' and " + REQUESTED_AT + "='" + requestedAt
					+ "': the restart that started this process is not counted");
			return null;
		}
	}

	static Map<String, Long> tally(@Nullable String value) {
		Map<String, Long> tally = new LinkedHashMap<>();
		if (value == null || value.isBlank()) {
			return tally;
		}
		for (String entry : value.split(",")) {
			int equals = entry.indexOf('=');
			try {
				long n = Long.parseLong(entry.substring(equals + 1).trim());
				if (equals <= 0 || n < 0) {
					throw new NumberFormatException();
				}
				tally.put(entry.substring(0, equals).trim(), n);
			}
			catch (NumberFormatException ex) {
				logger.warn("Ignoring '" + entry + "' in " + TALLY + ": not name=count");
			}
		}
		return tally;
	}

	private static String key(Outcome outcome, RestartTrigger trigger) {
		return outcome.tag() + "." + tag(trigger);
	}

	/**
	 * How metrics and the environment name a trigger.
	 * @param trigger the trigger
	 * @return {@code signal} or {@code actuator}
	 */
	public static String tag(RestartTrigger trigger) {
		return trigger.name().toLowerCase(Locale.ROOT);
	}

	/**
	 * The restarts counted so far by this process and those before it.
	 * @param outcome what became of them
	 * @param trigger what asked for them
	 * @return how many
	 */
	public long count(Outcome outcome, RestartTrigger trigger) {
		return this.counts.get(outcome).get(trigger).get();
	}

	/**
	 * How many restarts made a new process ready, as {@link #durationMillis()} adds up.
	 * @return the number
	 */
	public long durationCount() {
		return this.durationCount.get();
	}

	/**
	 * From request to the new process's readiness, added up over the successful restarts.
	 * @return milliseconds
	 */
	public long durationMillis() {
		return this.durationMillis.get();
	}

	/**
	 * How many drains of replaced processes were reported, as {@link #drainMillis()} adds
	 * up.
	 * @return the number
	 */
	public long drainCount() {
		return this.drainCount.get();
	}

	/**
	 * How long the drains of replaced processes took, added up.
	 * @return milliseconds
	 */
	public long drainMillis() {
		return this.drainMillis.get();
	}

	/**
	 * A replaced process has drained: this one, or the one it replaced.
	 * @param duration from the handover to its last connection closed
	 */
	public void drained(Duration duration) {
		this.drainCount.incrementAndGet();
		this.drainMillis.addAndGet(duration.toMillis());
	}

	/**
	 * The restart that started this process.
	 * @return it, null for a process started by hand
	 */
	public @Nullable Origin origin() {
		return this.origin;
	}

	/**
	 * From the request of the restart that started this process to this process's
	 * readiness.
	 * @return the time, null before it is ready or without such a restart
	 */
	public @Nullable Duration readyAfter() {
		return this.readyAfter;
	}

	/**
	 * How long {@code report} ran before it failed, if it is the last failure counted here.
	 * @param report a failed restart of this process
	 * @return the time, null if unknown
	 */
	public @Nullable Duration failedAfter(RestartReport report) {
		Failure failure = this.lastFailure;
		return (failure != null && failure.startedAt().equals(report.startedAt())) ? failure.after() : null;
	}

	/**
	 * The variables that tell the next process about the restart under way and the counts
	 * so far. Called while the restart spawns the next process.
	 * @return the variables, empty when no restart is under way
	 */
	public Map<String, String> handDown() {
		RestartReport report = this.inProgress;
		if (report == null) {
			return Map.of();
		}
		StringJoiner tally = new StringJoiner(",");
		for (Outcome outcome : Outcome.values()) {
			for (RestartTrigger trigger : RestartTrigger.values()) {
				long n = count(outcome, trigger);
				if (n > 0) {
					tally.add(key(outcome, trigger) + "=" + n);
				}
			}
		}
		tally.add(DURATION_COUNT + "=" + durationCount());
		tally.add(DURATION_MILLIS + "=" + durationMillis());
		tally.add(DRAIN_COUNT + "=" + drainCount());
		tally.add(DRAIN_MILLIS + "=" + drainMillis());
		Map<String, String> variables = new LinkedHashMap<>();
		variables.put(TRIGGER, tag(report.trigger()));
		variables.put(REQUESTED_AT, Long.toString(report.startedAt().toEpochMilli()));
		variables.put(TALLY, tally.toString());
		return variables;
	}

	/**
	 * This history as the restart core tells it of each step.
	 * @return the view, one of the managers the core tells
	 */
	public ServiceManager asServiceManager() {
		return new ServiceManager() {

			@Override
			public void ready() {
				RestartHistory.this.ready();
			}

			@Override
			public void restartRequested(RestartReport report) {
				RestartHistory.this.inProgress = report;
			}

			@Override
			public void restartFailed(String reason) {
				failed();
			}

			@Override
			public void requestRefused(RestartTrigger trigger, String reason) {
				increment(Outcome.REFUSED, trigger);
			}

			@Override
			public String toString() {
				return "restart history";
			}

		};
	}

	// the application is ready, before this process accepts a connection
	private void ready() {
		Origin made = this.origin;
		if (made == null || this.readyAfter != null) {
			return;
		}
		// Wall clocks, both: the request was timed by another JVM, whose nanoTime means
		// nothing here. A clock stepped back in between counts as no time at all.
		long millis = this.epochMillis.getAsLong() - made.requestedAt().toEpochMilli();
		Duration after = Duration.ofMillis(Math.max(0, millis));
		this.readyAfter = after;
		this.durationCount.incrementAndGet();
		this.durationMillis.addAndGet(after.toMillis());
		increment(Outcome.SUCCEEDED, made.trigger());
	}

	private void failed() {
		RestartReport report = this.inProgress;
		if (report == null) {
			return;
		}
		this.inProgress = null;
		long millis = Math.max(0, this.epochMillis.getAsLong() - report.startedAt().toEpochMilli());
		this.lastFailure = new Failure(report.startedAt(), Duration.ofMillis(millis));
		increment(Outcome.FAILED, report.trigger());
	}

	private void increment(Outcome outcome, RestartTrigger trigger) {
		this.counts.get(outcome).get(trigger).incrementAndGet();
	}

	/** What became of a restart, as {@code grace.restarts} counts it. */
	public enum Outcome {

		/** A new process took over; counted by that process. */
		SUCCEEDED,
		/** Accepted, but no new process took over; counted by the process that serves on. */
		FAILED,
		/** Not started: the process could not take one then. */
		REFUSED;

		/**
		 * How metrics name it.
		 * @return {@code succeeded}, {@code failed} or {@code refused}
		 */
		public String tag() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

	/**
	 * The restart that started a process.
	 *
	 * @param trigger what asked for it
	 * @param requestedAt when, by the parent's clock
	 */
	public record Origin(RestartTrigger trigger, Instant requestedAt) {
	}

	private record Failure(Instant startedAt, Duration after) {
	}

}
