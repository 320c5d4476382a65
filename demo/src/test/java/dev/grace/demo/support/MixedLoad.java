package dev.grace.demo.support;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.grace.demo.support.RawHttp.Response;

/**
 * The load a restart must not hurt, all at once: GETs on a new connection each, GETs on
 * keep-alive connections, slow GETs in flight across the handover, 32 KB POSTs echoed
 * and checked byte for byte, and a health check on the management port. No request is
 * ever retried; every one is recorded with its outcome.
 */
public final class MixedLoad implements AutoCloseable {

	public static final int POST_BYTES = 32 * 1024;

	private static final long FAILURE_PAUSE_MILLIS = 10;

	private final int port;

	private final int managementPort;

	private final long slowMillis;

	private final AtomicBoolean running = new AtomicBoolean(true);

	private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();

	private final List<Thread> threads = new ArrayList<>();

	private final long startNanos = System.nanoTime();

	private final java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();

	/**
	 * Starts the load.
	 * @param port the main port
	 * @param managementPort the management port
	 * @param connections clients of each kind (at least 2)
	 * @param slowMillis duration of the slow requests
	 */
	public MixedLoad(int port, int managementPort, int connections, long slowMillis) {
		this.port = port;
		this.managementPort = managementPort;
		this.slowMillis = slowMillis;
		for (int i = 0; i < connections; i++) {
			start("new-connection-" + i, () -> newConnectionGet(Kind.NEW_CONNECTION, this.port, "/"));
			start("slow-" + i, () -> newConnectionGet(Kind.SLOW, this.port, "/slow?ms=" + this.slowMillis));
			start("post-" + i, this::post);
			start("keep-alive-" + i, this::keepAliveLoop);
		}
		start("health", () -> newConnectionGet(Kind.HEALTH, this.managementPort, "/actuator/health"));
	}

	private void start(String name, Runnable loop) {
		Thread thread = new Thread(() -> {
			while (this.running.get()) {
				int failedBefore = this.failed.get();
				loop.run();
				if (this.failed.get() != failedBefore) {
					pauseAfterFailure();
				}
			}
		}, "load-" + name);
		thread.setDaemon(true);
		this.threads.add(thread);
		thread.start();
	}

	private void newConnectionGet(Kind kind, int port, String path) {
		long start = System.nanoTime();
		try {
			Response response = RawHttp.get(port, path);
			record(kind, start, response, response.status() == 200 && response.isJsonObject());
		}
		catch (IOException ex) {
			recordFailure(kind, start, ex);
		}
	}

	private void post() {
		byte[] body = new byte[POST_BYTES];
		new Random().nextBytes(body);
		long start = System.nanoTime();
		try {
			Response response = RawHttp.once(this.port, "POST", "/echo", body);
			record(Kind.POST, start, response, response.status() == 200 && Arrays.equals(body, response.body()));
		}
		catch (IOException ex) {
			recordFailure(Kind.POST, start, ex);
		}
	}

	// One connection, reused until the server says Connection: close, then a new one:
	// what any HTTP/1.1 client does, and no retry.
	private void keepAliveLoop() {
		try (RawHttp http = RawHttp.connect(this.port)) {
			while (this.running.get()) {
				long start = System.nanoTime();
				Response response;
				try {
					response = http.send("GET", "/", null, true);
				}
				catch (IOException ex) {
					recordFailure(Kind.KEEP_ALIVE, start, ex);
					return;
				}
				record(Kind.KEEP_ALIVE, start, response, response.status() == 200);
				if (response.closesConnection()) {
					return;
				}
			}
		}
		catch (IOException ex) {
			recordFailure(Kind.KEEP_ALIVE, System.nanoTime(), ex);
		}
	}

	private void record(Kind kind, long start, Response response, boolean ok) {
		long pid = -1;
		Failure failure = ok ? null : ((response.status() != 200) ? Failure.STATUS : Failure.WRONG_BODY);
		if (failure == null && kind != Kind.POST && kind != Kind.HEALTH) {
			try {
				pid = response.jsonLong("pid");
			}
			catch (IllegalStateException ex) {
				// recorded as failed, not thrown: that would end this client silently
				failure = Failure.WRONG_BODY;
			}
		}
		if (failure != null) {
			this.failed.incrementAndGet();
		}
		String detail = (failure == null) ? null : response.status() + " " + response.text();
		this.samples.add(new Sample(kind, start - this.startNanos, System.nanoTime() - start, pid, failure, detail));
	}

	// A client facing a refused port would otherwise spin and starve the machine the
	// restarting server needs; the next request is a new one, never a retry.
	private static void pauseAfterFailure() {
		try {
			Thread.sleep(FAILURE_PAUSE_MILLIS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private void recordFailure(Kind kind, long start, IOException ex) {
		this.failed.incrementAndGet();
		this.samples.add(new Sample(kind, start - this.startNanos, System.nanoTime() - start, -1, classify(ex),
				ex.getClass().getSimpleName() + ": " + ex.getMessage()));
	}

	static Failure classify(IOException ex) {
		if (ex instanceof ConnectException) {
			return Failure.REFUSED;
		}
		if (ex instanceof SocketTimeoutException) {
			return Failure.TIMEOUT;
		}
		if (ex instanceof EOFException) {
			return Failure.EOF;
		}
		if (ex instanceof SocketException && String.valueOf(ex.getMessage()).contains("reset")) {
			return Failure.RESET;
		}
		return Failure.OTHER;
	}

	/**
	 * Stops the clients and waits for the requests on their way.
	 * @return every request made
	 */
	public List<Sample> stop() {
		this.running.set(false);
		for (Thread thread : this.threads) {
			try {
				thread.join(Duration.ofSeconds(30).toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		return List.copyOf(this.samples);
	}

	/**
	 * When the load started, on the {@link System#nanoTime()} clock; sample times count
	 * from here.
	 * @return the start
	 */
	public long startNanos() {
		return this.startNanos;
	}

	/**
	 * Requests of each kind completed so far.
	 * @return count per kind
	 */
	public Map<Kind, Long> completedByKind() {
		Map<Kind, Long> counts = new TreeMap<>();
		for (Sample sample : this.samples) {
			counts.merge(sample.kind(), 1L, Long::sum);
		}
		return counts;
	}

	@Override
	public void close() {
		stop();
	}

	/** The kinds of client. */
	public enum Kind {

		NEW_CONNECTION, KEEP_ALIVE, SLOW, POST, HEALTH

	}

	/** The ways a request fails. */
	public enum Failure {

		REFUSED, RESET, EOF, TIMEOUT, STATUS, WRONG_BODY, OTHER

	}

	/**
	 * One request.
	 *
	 * @param kind the client kind
	 * @param startNanos when it started, from the start of the load
	 * @param durationNanos how long it took
	 * @param pid the pid that answered, -1 if unknown
	 * @param failure how it failed, null if it succeeded
	 * @param detail what the failure looked like
	 */
	public record Sample(Kind kind, long startNanos, long durationNanos, long pid, Failure failure, String detail) {

		public boolean failed() {
			return this.failure != null;
		}

		public long endNanos() {
			return this.startNanos + this.durationNanos;
		}

	}


	/**
	 * Waits until every kind of client has completed a request since this call, so that
	 * what comes next (a restart) happens with all of them running.
	 */
	public void awaitEveryKindServed() {
		Map<Kind, Long> before = completedByKind();
		org.awaitility.Awaitility.await("every kind of request served since " + before)
			.atMost(Duration.ofSeconds(30))
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(20))
			.untilAsserted(() -> {
				Map<Kind, Long> now = completedByKind();
				org.assertj.core.api.Assertions.assertThat(Kind.values())
					.as("kinds served since %s; so far %s", before, now)
					.allMatch((kind) -> now.getOrDefault(kind, 0L) > before.getOrDefault(kind, 0L));
			});
	}

	/**
	 * Asserts that not one request failed.
	 * @param samples every request of a run
	 * @return the pids that answered, in order
	 */
	public static java.util.SortedSet<Long> assertNoneFailed(List<Sample> samples) {
		List<Sample> failures = samples.stream().filter(Sample::failed).toList();
		org.assertj.core.api.Assertions.assertThat(failures).as("failed requests of " + samples.size()).isEmpty();
		return samples.stream()
			.map(Sample::pid)
			.filter((p) -> p > 0)
			.collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
	}

}
