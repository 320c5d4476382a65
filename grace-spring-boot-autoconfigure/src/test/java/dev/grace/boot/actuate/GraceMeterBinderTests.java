package dev.grace.boot.actuate;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.grace.boot.internal.Drain;
import dev.grace.boot.internal.RestartHistory;
import dev.grace.boot.internal.Restarter;
import dev.grace.boot.restart.RestartOutcome;
import dev.grace.boot.restart.RestartTrigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code grace.*} meters, read from a real restart core whose restarts fail.
 */
class GraceMeterBinderTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void everyMeterOfTheContractIsThereFromTheStart() {
		RestartHistory history = RestartHistory.fromEnvironment(Map.of(), false);
		bind(Processes.serving(1, history.asServiceManager()), history);

		assertThat(this.registry.get("grace.generation").gauge().value()).isEqualTo(1);
		assertThat(this.registry.get("grace.restarts").functionCounters()).hasSize(6)
			.allSatisfy((counter) -> assertThat(counter.count()).isZero());
		for (String outcome : List.of("succeeded", "failed", "refused")) {
			for (String trigger : List.of("signal", "actuator")) {
				assertThat(this.registry.get("grace.restarts").tag("outcome", outcome).tag("trigger", trigger)
					.functionCounter()).isNotNull();
			}
		}
		assertThat(this.registry.get("grace.restart.duration").functionTimer().count()).isZero();
		assertThat(this.registry.get("grace.drain.duration").functionTimer().count()).isZero();
		assertThat(this.registry.get("grace.drain.connections").gauge().value()).isZero();
		assertThat(this.registry.get("grace.drain.requests").gauge().value()).isZero();
	}

	@Test
	void aRestartedProcessShowsTheRestartThatMadeItOnTopOfWhatItWasHandedDown() {
		RestartHistory history = RestartHistory.fromEnvironment(Map.of("GRACE_RESTART_TRIGGER", "signal",
				"GRACE_RESTART_REQUESTED_AT", Long.toString(System.currentTimeMillis() - 2500), "GRACE_RESTART_TALLY",
				"failed.signal=1,duration.count=1,duration.millis=20000,drain.count=1,drain.millis=900"), true);
		bind(Processes.serving(3, history.asServiceManager()), history);

		assertThat(this.registry.get("grace.generation").gauge().value()).isEqualTo(3);
		assertThat(counter("succeeded", "signal").count()).isOne();
		assertThat(counter("failed", "signal").count()).isOne();
		FunctionTimer duration = this.registry.get("grace.restart.duration").functionTimer();
		assertThat(duration.count()).isEqualTo(2);
		assertThat(duration.totalTime(TimeUnit.MILLISECONDS)).isBetween(22_500.0, 32_500.0);
		history.drained(Duration.ofMillis(1100));
		FunctionTimer drain = this.registry.get("grace.drain.duration").functionTimer();
		assertThat(drain.count()).isEqualTo(2);
		assertThat(drain.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(2000);
	}

	@Test
	void aProcessThatServesOnCountsItsFailedAndRefusedRestarts() {
		RestartHistory history = RestartHistory.fromEnvironment(Map.of(), false);
		Restarter restarter = Processes.serving(1, history.asServiceManager());
		bind(restarter, history);

		restarter.request(RestartTrigger.ACTUATOR);
		await().until(() -> restarter.lastRestart().outcome() == RestartOutcome.FAILED);

		assertThat(counter("failed", "actuator").count()).isOne();
		assertThat(counter("succeeded", "actuator").count()).isZero();
	}

	private void bind(Restarter restarter, RestartHistory history) {
		Drain drain = new Drain(Drain.Probe.NONE, restarter.generation(), history, Drain.Channel.NONE);
		new GraceMeterBinder(restarter, history, drain).bindTo(this.registry);
	}

	private FunctionCounter counter(String outcome, String trigger) {
		return this.registry.get("grace.restarts").tag("outcome", outcome).tag("trigger", trigger).functionCounter();
	}

}
