package dev.grace.boot.internal.classdata;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class QuietPeriodsTests {

	private static final long MS = 1_000_000;

	private final AtomicLong clock = new AtomicLong(1_000 * MS);

	private final AtomicLong cpu = new AtomicLong(0);

	private final QuietPeriods quiet = new QuietPeriods(this.cpu::get, this.clock::get);

	@Test
	void quietOnceItUsedLessThanATenthOfACpuForASecond() {
		for (int i = 1; i < 10; i++) {
			advance(100, 9);
			assertThat(this.quiet.quiet()).as("after %d ms", i * 100).isFalse();
		}
		advance(100, 9);
		assertThat(this.quiet.quiet()).as("after 1000 ms").isTrue();
	}

	@Test
	void oneBusyIntervalEndsTheQuietAtOnceAndTheSecondStartsAgain() {
		advance(1000, 0);
		assertThat(this.quiet.quiet()).isTrue();
		advance(100, 11);
		assertThat(this.quiet.quiet()).isFalse();
		advance(900, 0);
		assertThat(this.quiet.quiet()).isFalse();
		advance(100, 0);
		assertThat(this.quiet.quiet()).isTrue();
	}

	@Test
	void aBusyProcessIsNeverQuiet() {
		for (int i = 0; i < 100; i++) {
			advance(100, 50);
			assertThat(this.quiet.quiet()).isFalse();
		}
	}

	@Test
	void twoSamplesAtTheSameInstantChangeNothing() {
		advance(1000, 0);
		assertThat(this.quiet.quiet()).isTrue();
		this.cpu.addAndGet(500 * MS);
		assertThat(this.quiet.quiet()).isTrue();
		advance(100, 0);
		assertThat(this.quiet.quiet()).as("the CPU used meanwhile counts in the next interval").isFalse();
	}

	private void advance(long millis, long cpuMillis) {
		this.clock.addAndGet(millis * MS);
		this.cpu.addAndGet(cpuMillis * MS);
	}

}
