package dev.grace.boot.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The drain of a replaced process, on a fake clock and fake connectors.
 */
class DrainTests {

	private final AtomicLong nanos = new AtomicLong(5_000_000_000L);

	private final AtomicInteger connections = new AtomicInteger(7);

	private final AtomicInteger requests = new AtomicInteger(2);

	private final Drain drain = new Drain(new Drain.Probe() {

		@Override
		public int connections() {
			return DrainTests.this.connections.get();
		}

		@Override
		public int requests() {
			return DrainTests.this.requests.get();
		}

	}, 1, this.nanos::get);

	@Test
	void aServingProcessShowsNoDrain() {
		assertThat(this.drain.isDraining()).isFalse();
		assertThat(this.drain.connections()).isZero();
		assertThat(this.drain.requests()).isZero();
		this.drain.finish();
		assertThat(this.drain.duration()).as("a stop is no drain").isNull();
	}

	@Test
	void fromTheHandoverTheOpenConnectionsAndRequestsShowUntilTheWebServersStop() {
		this.drain.asServiceManager().replacedBy(4300, 2, List.of());

		assertThat(this.drain.isDraining()).isTrue();
		assertThat(this.drain.connections()).isEqualTo(7);
		assertThat(this.drain.requests()).isEqualTo(2);
		this.connections.set(1);
		this.requests.set(0);
		assertThat(this.drain.connections()).isOne();
		assertThat(this.drain.requests()).isZero();
		this.nanos.addAndGet(1_104_000_000L);

		this.drain.finish();
		this.nanos.addAndGet(1_000_000_000L);
		this.drain.finish();

		assertThat(this.drain.isDraining()).isFalse();
		assertThat(this.drain.duration()).isEqualTo(Duration.ofMillis(1104));
		assertThat(this.drain.connections()).isZero();
	}

	@Test
	void theFirstHandoverStartsTheClock() {
		this.drain.asServiceManager().replacedBy(4300, 2, List.of());
		this.nanos.addAndGet(500_000_000L);
		this.drain.asServiceManager().replacedBy(4301, 2, List.of());
		this.nanos.addAndGet(500_000_000L);

		this.drain.finish();

		assertThat(this.drain.duration()).isEqualTo(Duration.ofSeconds(1));
	}

}
