package dev.grace.boot.actuate;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import dev.grace.boot.internal.RestartHistory;
import dev.grace.boot.internal.Restarter;
import dev.grace.boot.restart.RestartOutcome;
import dev.grace.boot.restart.RestartReport;

/**
 * The {@code grace} health contributor: always UP, because whatever became of a restart
 * this process serves (a draining one says so through its readiness); its details are
 * the state, generation, pid and the last restart: the last one this process started,
 * or else the one that started it.
 *
 * @since 0.1.0
 */
public class GraceHealthIndicator implements HealthIndicator {

	private final Restarter restarter;

	private final RestartHistory history;

	/**
	 * Creates the indicator.
	 * @param restarter the restart state machine
	 * @param history what is known of the restart that started this process
	 */
	public GraceHealthIndicator(Restarter restarter, RestartHistory history) {
		this.restarter = restarter;
		this.history = history;
	}

	@Override
	public Health health() {
		Health.Builder health = Health.up()
			.withDetail("state", this.restarter.state())
			.withDetail("generation", this.restarter.generation())
			.withDetail("pid", ProcessHandle.current().pid());
		Map<String, Object> last = lastRestart();
		if (last != null) {
			health.withDetail("lastRestart", last);
		}
		return health.build();
	}

	private @Nullable Map<String, Object> lastRestart() {
		RestartReport own = this.restarter.lastRestart();
		if (own != null) {
			Duration duration = switch (own.outcome()) {
				case SUCCEEDED -> Duration.ofMillis(own.readyAfterMillis());
				case FAILED -> this.history.failedAfter(own);
				case IN_PROGRESS, REFUSED -> null;
			};
			return describe(own.trigger().name(), own.outcome(), own.startedAt().toString(), duration, own.reason(),
					own.childPid());
		}
		RestartHistory.Origin origin = this.history.origin();
		if (origin != null) {
			return describe(origin.trigger().name(), RestartOutcome.SUCCEEDED, origin.requestedAt().toString(),
					this.history.readyAfter(), null, ProcessHandle.current().pid());
		}
		return null;
	}

	private static Map<String, Object> describe(String trigger, RestartOutcome outcome, String startedAt,
			@Nullable Duration duration, @Nullable String reason, long childPid) {
		Map<String, Object> last = new LinkedHashMap<>();
		last.put("trigger", trigger);
		last.put("outcome", outcome.name());
		last.put("startedAt", startedAt);
		if (duration != null) {
			last.put("duration", duration.toString());
			last.put("durationMillis", duration.toMillis());
		}
		if (reason != null) {
			last.put("reason", reason);
		}
		if (childPid > 0) {
			last.put("childPid", childPid);
		}
		return last;
	}

}
