package dev.grace.boot.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.grace.boot.internal.RestartHistory.Outcome;
import dev.grace.boot.restart.RestartReport;
import dev.grace.boot.restart.RestartTrigger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Counts kept across handovers: what a parent hands down, what the new process makes of
 * it, and what a process that serves on adds.
 */
class RestartHistoryTests {

	private final AtomicLong now = new AtomicLong(1_700_000_000_000L);

	@Test
	void aProcessStartedByHandCountsNothingAndHandsDownNothingUntilARestartRuns() {
		RestartHistory history = RestartHistory.fromEnvironment(Map.of(), false, this.now::get);

		history.asServiceManager().ready();

		assertThat(history.origin()).isNull();
		assertThat(history.readyAfter()).isNull();
		assertThat(history.durationCount()).isZero();
		for (Outcome outcome : Outcome.values()) {
			assertThat(history.count(outcome, RestartTrigger.SIGNAL)).isZero();
			assertThat(history.count(outcome, RestartTrigger.ACTUATOR)).isZero();
		}
		assertThat(history.handDown()).isEmpty();
	}

	@Test
	void theParentHandsDownWhatAskedForTheRestartWhenAndItsCounts() {
		RestartHistory history = RestartHistory.fromEnvironment(Map.of(), false, this.now::get);
		history.asServiceManager().requestRefused(RestartTrigger.ACTUATOR, "still starting");
		history.asServiceManager().restartRequested(RestartReport.started(RestartTrigger.SIGNAL));
		history.asServiceManager().restartFailed("child exited");
		RestartReport report = RestartReport.started(RestartTrigger.SIGNAL);
		history.asServiceManager().restartRequested(report);

		assertThat(history.handDown()).containsExactly(Map.entry("GRACE_RESTART_TRIGGER", "signal"),
				Map.entry("GRACE_RESTART_REQUESTED_AT", Long.toString(report.startedAt().toEpochMilli())),
				Map.entry("GRACE_RESTART_TALLY", "failed.signal=1,refused.actuator=1,"
						+ "duration.count=0,duration.millis=0,drain.count=0,drain.millis=0"));
	}

	@Test
	void theNewProcessCountsTheRestartThatMadeItOnceReadyOnTopOfWhatItWasHandedDown() {
		Map<String, String> env = Map.of("GRACE_RESTART_TRIGGER", "actuator", "GRACE_RESTART_REQUESTED_AT",
				Long.toString(this.now.get()), "GRACE_RESTART_TALLY",
				"succeeded.signal=2,failed.signal=1,duration.count=2,duration.millis=50000");
		RestartHistory history = RestartHistory.fromEnvironment(env, true, this.now::get);
		assertThat(history.count(Outcome.SUCCEEDED, RestartTrigger.ACTUATOR)).isZero();
		this.now.addAndGet(23_644);

		history.asServiceManager().ready();
		history.asServiceManager().ready();

		assertThat(history.origin()).isEqualTo(new RestartHistory.Origin(RestartTrigger.ACTUATOR,
				Instant.ofEpochMilli(this.now.get() - 23_644)));
		assertThat(history.readyAfter()).isEqualTo(Duration.ofMillis(23_644));
		assertThat(history.count(Outcome.SUCCEEDED, RestartTrigger.ACTUATOR)).isOne();
		assertThat(history.count(Outcome.SUCCEEDED, RestartTrigger.SIGNAL)).isEqualTo(2);
		assertThat(history.count(Outcome.FAILED, RestartTrigger.SIGNAL)).isOne();
		assertThat(history.durationCount()).isEqualTo(3);
		assertThat(history.durationMillis()).isEqualTo(73_644);
	}

	@Test
	void countsGrowAcrossAChainOfHandovers() {
		RestartHistory first = RestartHistory.fromEnvironment(Map.of(), false, this.now::get);
		first.asServiceManager().restartRequested(RestartReport.started(RestartTrigger.SIGNAL));
		first.asServiceManager().restartFailed("vetoed");
		RestartReport restart = RestartReport.started(RestartTrigger.SIGNAL);
		first.asServiceManager().restartRequested(restart);
		RestartHistory second = RestartHistory.fromEnvironment(first.handDown(), true, this.now::get);
		this.now.set(restart.startedAt().toEpochMilli() + 1000);
		second.asServiceManager().ready();
		restart = RestartReport.started(RestartTrigger.ACTUATOR);
		second.asServiceManager().restartRequested(restart);
		RestartHistory third = RestartHistory.fromEnvironment(second.handDown(), true, this.now::get);
		this.now.set(restart.startedAt().toEpochMilli() + 2000);

		third.asServiceManager().ready();

		assertThat(third.count(Outcome.FAILED, RestartTrigger.SIGNAL)).isOne();
		assertThat(third.count(Outcome.SUCCEEDED, RestartTrigger.SIGNAL)).isOne();
		assertThat(third.count(Outcome.SUCCEEDED, RestartTrigger.ACTUATOR)).isOne();
		assertThat(third.durationCount()).isEqualTo(2);
		assertThat(third.durationMillis()).isEqualTo(3000);
	}

	@Test
	void aProcessThatServesOnCountsFailedAndRefusedRestartsAndHowLongAFailureTook() {
		RestartHistory history = RestartHistory.fromEnvironment(Map.of(), false, this.now::get);
		RestartReport report = RestartReport.started(RestartTrigger.ACTUATOR);
		history.asServiceManager().restartRequested(report);
		this.now.set(report.startedAt().toEpochMilli() + 1500);

		history.asServiceManager().restartFailed("child pid 7 exited before it was ready (exit code 1)");
		history.asServiceManager().requestRefused(RestartTrigger.SIGNAL, "a restart is in progress");
		history.asServiceManager().requestRefused(RestartTrigger.SIGNAL, "a restart is in progress");

		assertThat(history.count(Outcome.FAILED, RestartTrigger.ACTUATOR)).isOne();
		assertThat(history.count(Outcome.REFUSED, RestartTrigger.SIGNAL)).isEqualTo(2);
		// found by the report the status shows
		assertThat(history.failedAfter(report.failed("child pid 7 exited"))).isEqualTo(Duration.ofMillis(1500));
		assertThat(history.handDown()).as("nothing under way").isEmpty();
	}

	@Test
	void variablesThatWereMerelyInheritedAreIgnored() {
		Map<String, String> env = Map.of("GRACE_RESTART_TRIGGER", "signal", "GRACE_RESTART_REQUESTED_AT", "1",
				"GRACE_RESTART_TALLY", "succeeded.signal=5");

		RestartHistory history = RestartHistory.fromEnvironment(env, false, this.now::get);

		assertThat(history.origin()).isNull();
		assertThat(history.count(Outcome.SUCCEEDED, RestartTrigger.SIGNAL)).isZero();
	}

	@Test
	void malformedValuesAreLeftOutNotFatal() {
		Map<String, String> env = Map.of("GRACE_RESTART_TRIGGER", "cron", "GRACE_RESTART_REQUESTED_AT", "soon",
				"GRACE_RESTART_TALLY", "succeeded.signal=2,failed.signal=-1,junk,=4,refused.actuator=x");

		RestartHistory history = RestartHistory.fromEnvironment(env, true, this.now::get);
		history.asServiceManager().ready();

		assertThat(history.origin()).isNull();
		assertThat(history.count(Outcome.SUCCEEDED, RestartTrigger.SIGNAL)).isEqualTo(2);
		assertThat(history.count(Outcome.FAILED, RestartTrigger.SIGNAL)).isZero();
		assertThat(history.count(Outcome.REFUSED, RestartTrigger.ACTUATOR)).isZero();
		assertThat(history.durationCount()).isZero();
	}

	@Test
	void aClockSteppedBackBetweenRequestAndReadinessCountsAsNoTime() {
		Map<String, String> env = Map.of("GRACE_RESTART_TRIGGER", "signal", "GRACE_RESTART_REQUESTED_AT",
				Long.toString(this.now.get() + 5000));
		RestartHistory history = RestartHistory.fromEnvironment(env, true, this.now::get);

		history.asServiceManager().ready();

		assertThat(history.readyAfter()).isEqualTo(Duration.ZERO);
		assertThat(history.durationCount()).isOne();
		assertThat(history.count(Outcome.SUCCEEDED, RestartTrigger.SIGNAL)).isOne();
	}

}
