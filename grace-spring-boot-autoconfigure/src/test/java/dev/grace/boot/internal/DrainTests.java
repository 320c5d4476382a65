package dev.grace.boot.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The drain of a replaced process and its reports to the new one, on a fake clock, fake
 * connectors and a channel that hands lines straight over.
 */
class DrainTests {

	private final AtomicLong nanos = new AtomicLong(5_000_000_000L);

	private final AtomicInteger connections = new AtomicInteger(7);

	private final AtomicInteger requests = new AtomicInteger(2);

	private final Drain.Probe probe = new Drain.Probe() {

		@Override
		public int connections() {
			return DrainTests.this.connections.get();
		}

		@Override
		public int requests() {
			return DrainTests.this.requests.get();
		}

	};

	private final FakeChannel channel = new FakeChannel();

	private final RestartHistory history = RestartHistory.fromEnvironment(Map.of(), false);

	private final Drain drain = new Drain(this.probe, 1, this.history, this.channel, this.nanos::get);

	@Test
	void aServingProcessShowsNoDrain() {
		assertThat(this.drain.isDraining()).isFalse();
		assertThat(this.drain.connections()).isZero();
		assertThat(this.drain.requests()).isZero();
		this.drain.finish();
		assertThat(this.drain.duration()).as("a stop is no drain").isNull();
		assertThat(this.history.drainCount()).isZero();
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
		assertThat(this.history.drainCount()).isOne();
		assertThat(this.history.drainMillis()).isEqualTo(1104);
	}

	@Test
	void theFirstHandoverStartsTheClock() {
		this.drain.asServiceManager().replacedBy(4300, 2, List.of());
		this.nanos.addAndGet(500_000_000L);
		this.drain.asServiceManager().replacedBy(4301, 2, List.of());
		this.nanos.addAndGet(500_000_000L);

		this.drain.finish();

		assertThat(this.drain.duration()).isEqualTo(Duration.ofSeconds(1));
		await().until(() -> !this.channel.connected.isEmpty());
		assertThat(this.channel.connected).containsExactly(4300L);
	}

	@Test
	void theReportChannelOpensOffTheHandoversPathAndADrainOverMeanwhileIsStillReported() throws Exception {
		CountDownLatch open = new CountDownLatch(1);
		this.channel.opening = open;

		CompletableFuture.runAsync(() -> this.drain.asServiceManager().replacedBy(4300, 2, List.of()))
			.get(5, TimeUnit.SECONDS);
		assertThat(this.drain.isDraining()).as("the handover went on while the channel opens").isTrue();
		this.nanos.addAndGet(300_000_000L);
		this.drain.finish();
		assertThat(this.channel.sent).isEmpty();
		open.countDown();

		await().until(() -> this.channel.closed);
		assertThat(this.channel.sent).containsExactly("drained=300");
	}

	@Test
	void theDrainingProcessReportsWhatIsOpenThenHowLongItTookToTheNewOne() {
		this.drain.asServiceManager().replacedBy(4300, 2, List.of());
		await().until(() -> this.channel.sent.contains("connections=7 requests=2"));
		this.connections.set(3);
		this.requests.set(1);
		await().until(() -> this.channel.sent.contains("connections=3 requests=1"));
		this.nanos.addAndGet(2_500_000_000L);

		this.drain.finish();

		assertThat(this.channel.sent).endsWith("drained=2500");
		assertThat(this.channel.closed).isTrue();
		int sent = this.channel.sent.size();
		await().during(Duration.ofMillis(3 * Drain.REPORT_INTERVAL_MILLIS))
			.atMost(Duration.ofSeconds(2))
			.until(() -> this.channel.sent.size() == sent);
	}

	@Test
	void theNewProcessShowsWhatItsPredecessorReportsAndCountsItsDrain() {
		Drain next = new Drain(this.probe, 2, this.history, this.channel, this.nanos::get);
		next.listenTo(4242);
		Consumer<@Nullable String> lines = this.channel.listener;

		lines.accept("connections=3 requests=1");
		assertThat(next.connections()).as("not its own 7").isEqualTo(3);
		assertThat(next.requests()).isOne();
		lines.accept("connections=oops");
		assertThat(next.connections()).as("a bad report changes nothing").isEqualTo(3);
		lines.accept("drained=927");

		assertThat(next.connections()).isZero();
		assertThat(next.requests()).isZero();
		assertThat(this.history.drainCount()).isOne();
		assertThat(this.history.drainMillis()).isEqualTo(927);
		assertThat(this.channel.listenedTo).isEqualTo(4242);
		lines.accept("connections=5 requests=5");
		lines.accept(null);
		assertThat(next.connections()).as("the end of the reports").isZero();
	}

	@Test
	void aNewProcessThatTakesNoReportsLeavesTheDrainUnreported() {
		this.channel.listening = false;

		this.drain.asServiceManager().replacedBy(4300, 2, List.of());
		this.drain.finish();

		assertThat(this.channel.sent).isEmpty();
		assertThat(this.history.drainCount()).as("counted here all the same").isOne();
	}

	static final class FakeChannel implements Drain.Channel {

		final List<String> sent = new CopyOnWriteArrayList<>();

		final List<Long> connected = new CopyOnWriteArrayList<>();

		volatile boolean listening = true;

		volatile boolean closed;

		volatile long listenedTo = -1;

		volatile Consumer<@Nullable String> listener;

		volatile CountDownLatch opening = new CountDownLatch(0);

		@Override
		public Drain.@Nullable Successor connect(long pid) {
			try {
				this.opening.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.connected.add(pid);
			if (!this.listening) {
				return null;
			}
			return new Drain.Successor() {

				@Override
				public boolean send(String line) {
					FakeChannel.this.sent.add(line);
					return true;
				}

				@Override
				public void close() {
					FakeChannel.this.closed = true;
				}

			};
		}

		@Override
		public void listen(long parentPid, Consumer<@Nullable String> lines) {
			this.listenedTo = parentPid;
			this.listener = lines;
		}

	}

}
