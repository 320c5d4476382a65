package dev.grace.boot.actuate;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.grace.boot.internal.RestartHistory;
import dev.grace.boot.internal.Restarter;
import dev.grace.boot.restart.RestartOutcome;
import dev.grace.boot.restart.RestartState;
import dev.grace.boot.restart.RestartTrigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class GraceHealthIndicatorTests {

	@Test
	void aProcessStartedByHandIsUpWithItsStateAndNoRestart() {
		RestartHistory history = RestartHistory.fromEnvironment(Map.of(), false);

		Health health = new GraceHealthIndicator(Processes.serving(1, history.asServiceManager()), history).health();

		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsOnly(Map.entry("state", RestartState.SERVING),
				Map.entry("generation", 1), Map.entry("pid", ProcessHandle.current().pid()));
	}

	@Test
	void aFailedRestartLeavesItUpWithTheReasonAndHowLongItTook() {
		RestartHistory history = RestartHistory.fromEnvironment(Map.of(), false);
		Restarter restarter = Processes.serving(1, history.asServiceManager());
		restarter.request(RestartTrigger.SIGNAL);
		await().until(() -> restarter.lastRestart().outcome() == RestartOutcome.FAILED);

		Health health = new GraceHealthIndicator(restarter, history).health();

		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("state", RestartState.SERVING);
		@SuppressWarnings("unchecked")
		Map<String, Object> last = (Map<String, Object>) health.getDetails().get("lastRestart");
		assertThat(last).containsEntry("trigger", "SIGNAL")
			.containsEntry("outcome", "FAILED")
			.containsEntry("reason", "could not start the new process: java.lang.IllegalStateException: "
					+ "posix_spawnp failed: errno 2")
			.containsEntry("startedAt", restarter.lastRestart().startedAt().toString())
			.containsKeys("duration", "durationMillis")
			.doesNotContainKey("childPid");
	}

	@Test
	void aRestartedProcessShowsTheRestartThatStartedIt() {
		long requestedAt = System.currentTimeMillis() - 1200;
		RestartHistory history = RestartHistory.fromEnvironment(Map.of("GRACE_RESTART_TRIGGER", "actuator",
				"GRACE_RESTART_REQUESTED_AT", Long.toString(requestedAt)), true);

		Health health = new GraceHealthIndicator(Processes.serving(2, history.asServiceManager()), history).health();

		@SuppressWarnings("unchecked")
		Map<String, Object> last = (Map<String, Object>) health.getDetails().get("lastRestart");
		assertThat(last).containsEntry("trigger", "ACTUATOR")
			.containsEntry("outcome", "SUCCEEDED")
			.containsEntry("childPid", ProcessHandle.current().pid())
			.doesNotContainKey("reason");
		assertThat((long) last.get("durationMillis")).isBetween(1200L, 11_200L);
		assertThat(health.getDetails()).containsEntry("generation", 2);
	}

}
