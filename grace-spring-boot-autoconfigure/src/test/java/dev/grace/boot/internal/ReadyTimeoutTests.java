package dev.grace.boot.internal;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReadyTimeoutTests {

	@Test
	void aSettingWinsWhateverThisProcessTook() {
		ReadyTimeout timeout = ReadyTimeout.configured(Duration.ofSeconds(3));
		timeout.startedIn(Duration.ofSeconds(70));

		assertThat(timeout.value()).isEqualTo(Duration.ofSeconds(3));
		assertThat(timeout.isConfigured()).isTrue();
		assertThat(timeout).hasToString("3 s (grace.ready-timeout)");
	}

	@Test
	void withoutASettingTenTimesThisProcesssStart() {
		ReadyTimeout timeout = ReadyTimeout.derived();
		timeout.startedIn(Duration.ofMillis(75_040));

		assertThat(timeout.value()).isEqualTo(Duration.ofMillis(750_400));
		assertThat(timeout.isConfigured()).isFalse();
		assertThat(timeout).hasToString("750.4 s (10 times the 75.0 s this process took to be ready)");
	}

	@Test
	void neverLessThanAMinute() {
		ReadyTimeout timeout = ReadyTimeout.derived();
		timeout.startedIn(Duration.ofMillis(5_300));

		assertThat(timeout.value()).isEqualTo(Duration.ofSeconds(60));
		assertThat(timeout).hasToString("60 s (the least it gets; 10 times the 5.3 s this process took to be ready is less)");
	}

	@Test
	void aMinuteUntilThisProcessIsReady() {
		ReadyTimeout timeout = ReadyTimeout.derived();

		assertThat(timeout.value()).isEqualTo(ReadyTimeout.FLOOR);
		assertThat(timeout).hasToString("60 s (grace.ready-timeout is not set and this process is not ready yet)");
	}

	@Test
	void secondsForPeople() {
		assertThat(ReadyTimeout.seconds(Duration.ofMillis(100))).isEqualTo("0.1 s");
		assertThat(ReadyTimeout.seconds(Duration.ofMinutes(2))).isEqualTo("120 s");
		assertThat(ReadyTimeout.seconds(Duration.ofMillis(1_250))).isEqualTo("1.3 s");
	}

}
