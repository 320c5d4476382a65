package dev.grace.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.EchoSocket;
import dev.grace.demo.support.MixedLoad;
import dev.grace.demo.support.MixedLoad.Sample;
import dev.grace.demo.support.Processes;
import dev.grace.demo.support.RawHttp;
import dev.grace.demo.support.SseStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Connections that outlive a request, at one handover under the mixed load: idle and
 * chatty WebSocket sessions get a close 1001 and reconnect to the new process; server-sent
 * event streams over HTTP/1.1 and over h2c hear the application's goodbye, then end
 * well-formed (last chunk, END_STREAM) and reconnect to the new process; long polls in
 * flight get their 200 with {@code Connection: close}; the old process exits 0 soon after
 * the new one serves, and the mixed load loses nothing.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LongLivedIT {

	// from the new process serving: the notice (1 s by default) and a margin for 2 cores
	private static final Duration ENDED_WITHIN = Duration.ofSeconds(2);

	private static final Duration EXITED_WITHIN = Duration.ofSeconds(3);

	private static final Path JDK_25 = Path.of(System.getProperty("grace.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"));

	@Test
	void longLivedConnectionsMoveToTheNewProcessAtOnce() throws Exception {
		// Java 17's HTTP/2 client fails its streams on any GOAWAY: the h2c client needs 25
		boolean h2c = Files.isExecutable(JDK_25.resolve("bin/java"));
		if (!h2c) {
			System.out.println("LongLivedIT: no JDK 25 at " + JDK_25 + ", the h2c stream is not checked"
					+ " (set -Dgrace.jdk25=<java home>)");
		}
		// class data off: its side run would only add CPU noise to the timings measured here
		try (DemoProcess demo = DemoProcess.start("--server.http2.enabled=true", "--grace.class-data.enabled=false")) {
			long oldPid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			List<EchoSocket> sockets = new ArrayList<>();
			List<SseStream> streams = new ArrayList<>();
			LongPolls polls = new LongPolls(demo.port(), 6);
			try (MixedLoad load = new MixedLoad(demo.port(), demo.managementPort(), 2, 1000);
					H2Stream h2 = h2c ? new H2Stream(JDK_25.resolve("bin/java"), demo.port()) : null) {
				for (int i = 0; i < 6; i++) {
					sockets.add(EchoSocket.open(demo.port(), i >= 3));
				}
				for (int i = 0; i < 3; i++) {
					streams.add(SseStream.open(demo.port(), "/sse"));
				}
				await("every long-lived connection open on pid " + oldPid).atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
					assertThat(sockets).allMatch((socket) -> socket.pid() == oldPid);
					assertThat(streams).allMatch((stream) -> stream.pid() == oldPid);
					assertThat(h2 == null || h2.lines().contains("data:" + oldPid)).as("h2c stream open").isTrue();
					assertThat(polls.answeredBy(oldPid)).isGreaterThanOrEqualTo(2);
				});
				load.awaitEveryKindServed();

				NewProcessWatch watch = new NewProcessWatch(demo.port(), oldPid);
				Processes.signal(oldPid, Processes.SIGUSR2);
				long newPid = demo.awaitGeneration(2, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");
				long servingNanos = watch.await();
				assertThat(demo.awaitExit(oldPid, Duration.ofSeconds(30))).as("exit code of pid " + oldPid).hasValue(0);
				long exitNanos = System.nanoTime();
				await("every long-lived connection ended").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
					assertThat(sockets).allMatch((socket) -> socket.closeNanos() > 0);
					assertThat(streams).allMatch((stream) -> stream.endNanos() > 0 || stream.failure() != null);
					assertThat(h2 == null || h2.isDone()).as("h2c stream done").isTrue();
				});
				load.awaitEveryKindServed();
				polls.stop();
				List<Sample> samples = load.stop();

				StringBuilder figures = new StringBuilder("LongLivedIT: old pid " + oldPid + " exited "
						+ millis(exitNanos - servingNanos) + " ms after pid " + newPid + " served");
				for (EchoSocket socket : sockets) {
					assertThat(socket.error()).as("WebSocket error").isNull();
					assertThat(socket.closeCode()).as("close code, reason '%s'", socket.closeReason()).isEqualTo(1001);
					assertThat(Duration.ofNanos(socket.closeNanos() - servingNanos)).as("1001 after the new process served")
						.isLessThanOrEqualTo(ENDED_WITHIN);
					figures.append("; WebSocket 1001 at ").append(millis(socket.closeNanos() - servingNanos)).append(" ms");
				}
				for (SseStream stream : streams) {
					assertThat(stream.failure()).as("SSE stream, headers:\n%s", stream.headers()).isNull();
					List<String> names = stream.events().stream().map(SseStream.Event::name).toList();
					assertThat(names).as("events").contains("handover");
					assertThat(names.get(names.size() - 1)).as("last event").isEqualTo("handover");
					assertThat(Duration.ofNanos(stream.endNanos() - servingNanos)).as("last chunk after the new process served")
						.isLessThanOrEqualTo(ENDED_WITHIN);
					assertThat(Duration.ofNanos(stream.eofNanos() - stream.endNanos())).as("connection closed after the last chunk")
						.isLessThanOrEqualTo(Duration.ofMillis(500));
					figures.append("; SSE end at ").append(millis(stream.endNanos() - servingNanos)).append(" ms");
				}
				if (h2 != null) {
					assertThat(h2.failure()).as("h2c stream").isNull();
					assertThat(h2.version()).isEqualTo("HTTP_2");
					assertThat(h2.lines()).contains("event:handover");
					assertThat(Duration.ofNanos(h2.endNanos() - servingNanos)).as("END_STREAM after the new process served")
						.isLessThanOrEqualTo(ENDED_WITHIN);
					figures.append("; h2c SSE end at ").append(millis(h2.endNanos() - servingNanos)).append(" ms");
				}
				assertThat(Duration.ofNanos(exitNanos - servingNanos)).as("old process exit after the new one served")
					.isLessThanOrEqualTo(EXITED_WITHIN);

				// clients reconnect, to the new process
				try (EchoSocket again = EchoSocket.open(demo.port(), false);
						SseStream stream = SseStream.open(demo.port(), "/sse")) {
					await("reconnected to pid " + newPid).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
						assertThat(again.pid()).isEqualTo(newPid);
						assertThat(stream.pid()).isEqualTo(newPid);
					});
				}

				assertThat(polls.failures()).as("long polls").isEmpty();
				// the old process stopped accepting before it told its streams (DRAINING)
				long handoverNanos = streams.stream()
					.flatMap((stream) -> stream.events().stream())
					.filter((event) -> event.name().equals("handover"))
					.mapToLong(SseStream.Event::nanos)
					.min()
					.orElseThrow();
				List<LongPolls.Poll> closing = polls.answered()
					.stream()
					.filter((poll) -> poll.pid() == oldPid && poll.endNanos() > handoverNanos)
					.toList();
				assertThat(closing).as("long polls answered by pid %d after the handover", oldPid)
					.isNotEmpty()
					.allMatch(LongPolls.Poll::closes);
				assertThat(polls.answeredBy(newPid)).as("long polls answered by the new process").isPositive();
				figures.append("; ").append(closing.size()).append(" long poll(s) in flight answered 200 with Connection: close");
				MixedLoad.assertNoneFailed(samples);
				figures.append("; mixed load ").append(samples.size()).append(" requests, 0 failed");
				System.out.println(figures);
			}
			finally {
				polls.stop();
				sockets.forEach(EchoSocket::close);
				for (SseStream stream : streams) {
					stream.close();
				}
			}
		}
	}

	private static long millis(long nanos) {
		return TimeUnit.NANOSECONDS.toMillis(nanos);
	}

	/** Polls {@code GET /} until another pid answers: when the new process serves. */
	private static final class NewProcessWatch {

		private final AtomicLong servingNanos = new AtomicLong(-1);

		private final Thread thread;

		NewProcessWatch(int port, long oldPid) {
			this.thread = new Thread(() -> {
				long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
				while (System.nanoTime() < deadline) {
					try {
						if (RawHttp.get(port, "/").jsonLong("pid") != oldPid) {
							this.servingNanos.set(System.nanoTime());
							return;
						}
						Thread.sleep(20);
					}
					catch (IOException ex) {
						// the mixed load proves nothing is lost; this one only watches
					}
					catch (InterruptedException ex) {
						return;
					}
				}
			}, "new-process-watch");
			this.thread.setDaemon(true);
			this.thread.start();
		}

		long await() throws InterruptedException {
			this.thread.join(TimeUnit.SECONDS.toMillis(130));
			assertThat(this.servingNanos.get()).as("new process seen serving").isPositive();
			return this.servingNanos.get();
		}

	}

	/**
	 * A server-sent event stream over h2c with the JDK's client, run on Java 25 in a
	 * process of its own: Java 17's client fails every stream of a connection the moment
	 * it gets a GOAWAY, even one that lets open streams finish (fixed in Java 24).
	 */
	private static final class H2Stream implements AutoCloseable {

		private final List<String> lines = new CopyOnWriteArrayList<>();

		private final Process process;

		private final Thread reader;

		private volatile String version;

		private volatile long endNanos = -1;

		private volatile String failure;

		H2Stream(Path java, int port) throws Exception {
			Path source = Path.of(LongLivedIT.class.getResource("/clients/H2SseClient.java").toURI());
			this.process = new ProcessBuilder(java.toString(), source.toString(), Integer.toString(port))
				.redirectErrorStream(true)
				.start();
			this.reader = new Thread(this::read, "h2c-sse");
			this.reader.setDaemon(true);
			this.reader.start();
		}

		private void read() {
			try (BufferedReader out = this.process.inputReader()) {
				for (String line = out.readLine(); line != null; line = out.readLine()) {
					if (line.startsWith("version ")) {
						this.version = line.substring(8);
					}
					else if (line.startsWith("line ")) {
						this.lines.add(line.substring(5));
					}
					else if (line.equals("end")) {
						this.endNanos = System.nanoTime();
					}
					else {
						this.failure = (this.failure != null ? this.failure + "\n" : "") + line;
					}
				}
			}
			catch (IOException ex) {
				this.failure = ex.toString();
			}
		}

		List<String> lines() {
			return List.copyOf(this.lines);
		}

		boolean isDone() {
			return !this.reader.isAlive();
		}

		String version() {
			return this.version;
		}

		long endNanos() {
			return this.endNanos;
		}

		String failure() {
			return this.failure;
		}

		@Override
		public void close() {
			this.process.destroyForcibly();
		}

	}

	/** Clients that long-poll back to back on kept-alive connections, reconnecting when told to close. */
	private static final class LongPolls {

		private static final long POLL_MILLIS = 1500;

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final ConcurrentLinkedQueue<Poll> polls = new ConcurrentLinkedQueue<>();

		private final List<Thread> threads = new ArrayList<>();

		// started a sixth of a poll apart, so that some are always far from their answer
		LongPolls(int port, int clients) {
			for (int i = 0; i < clients; i++) {
				long delay = i * POLL_MILLIS / clients;
				Thread thread = new Thread(() -> {
					DemoProcess.pause(delay);
					poll(port);
				}, "long-poll-" + i);
				thread.setDaemon(true);
				thread.start();
				this.threads.add(thread);
			}
		}

		private void poll(int port) {
			while (this.running.get()) {
				try (RawHttp http = RawHttp.connect(port)) {
					while (this.running.get()) {
						long start = System.nanoTime();
						RawHttp.Response response = http.send("GET", "/poll?ms=" + POLL_MILLIS, null, true);
						this.polls.add(new Poll(response.status() == 200 ? response.jsonLong("pid") : -1,
								response.closesConnection(), start, System.nanoTime(),
								response.status() == 200 ? null : "status " + response.status()));
						if (response.closesConnection()) {
							break;
						}
					}
				}
				catch (IOException ex) {
					this.polls.add(new Poll(-1, true, 0, System.nanoTime(), ex.toString()));
				}
			}
		}

		long answeredBy(long pid) {
			return this.polls.stream().filter((poll) -> poll.pid() == pid).count();
		}

		List<Poll> answered() {
			return this.polls.stream().filter((poll) -> poll.failure() == null).toList();
		}

		List<Poll> failures() {
			return this.polls.stream().filter((poll) -> poll.failure() != null).toList();
		}

		void stop() throws InterruptedException {
			this.running.set(false);
			for (Thread thread : this.threads) {
				thread.join(10_000);
			}
		}

		record Poll(long pid, boolean closes, long startNanos, long endNanos, String failure) {
		}

	}

}
