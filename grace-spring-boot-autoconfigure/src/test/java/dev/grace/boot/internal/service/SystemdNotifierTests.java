package dev.grace.boot.internal.service;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.boot.internal.ListeningSocket;
import dev.grace.boot.internal.NamedSocket;
import dev.grace.boot.internal.ParentChannel;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The messages systemd gets, read from a real datagram socket the way systemd reads
 * them; this machine's systemd (252) has no {@code Type=notify-reload}, so its sequence
 * is checked here: {@code RELOADING=1} with {@code MONOTONIC_USEC} in one datagram, then
 * {@code READY=1}.
 */
class SystemdNotifierTests {

	private static final List<NamedSocket> LISTENERS = List.of(
			new NamedSocket("server", new ListeningSocket(3, new InetSocketAddress("127.0.0.1", 8080), 1)),
			new NamedSocket("management", new ListeningSocket(4, new InetSocketAddress("127.0.0.1", 8081), 2)));

	@TempDir
	Path dir;

	private final List<UnixDatagramChannel> open = new ArrayList<>();

	@AfterEach
	void close() throws IOException {
		for (UnixDatagramChannel channel : this.open) {
			channel.close();
		}
	}

	@Test
	void aRestartIsAReloadWhoseOutcomeIsReady() throws Exception {
		String path = this.dir.resolve("notify").toString();
		BlockingQueue<String> received = listen(new UnixSocketAddress(path));
		SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", path), 10, false,
				() -> true);

		notifier.serving(1, LISTENERS, ParentChannel.NONE);
		assertThat(next(received)).isEqualTo("READY=1\nSTATUS=generation 1 serving on 127.0.0.1:8080, 127.0.0.1:8081");
		long before = System.nanoTime() / 1000;
		notifier.restarting();
		String reloading = next(received);
		assertThat(reloading).startsWith("RELOADING=1\nMONOTONIC_USEC=").endsWith("\nSTATUS=restarting: starting a new process");
		long usec = Long.parseLong(reloading.split("\n")[1].substring("MONOTONIC_USEC=".length()));
		assertThat(usec).isBetween(before, System.nanoTime() / 1000);
		notifier.childStarted(42);
		assertThat(next(received)).isEqualTo("STATUS=restarting: new process 42 starting");
		notifier.replacedBy(42, 2, LISTENERS);
		assertThat(next(received)).isEqualTo(
				"READY=1\nSTATUS=generation 2 serving on 127.0.0.1:8080, 127.0.0.1:8081 (pid 42); the previous process drains");
	}

	@Test
	void aFailedRestartEndsTheReloadAndAStopIsFinal() throws Exception {
		String name = "@grace-test-" + UUID.randomUUID();
		BlockingQueue<String> received = listen(new UnixSocketAddress("\0" + name.substring(1)));
		SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", name), 10, false,
				() -> true);

		notifier.restartFailed("child pid 7 exited before it was ready (exit code 1)");
		assertThat(next(received))
			.isEqualTo("READY=1\nSTATUS=restart failed, still serving: child pid 7 exited before it was ready (exit code 1)");
		notifier.restartRefused("not enough memory for a new process");
		assertThat(next(received)).startsWith("RELOADING=1\nMONOTONIC_USEC=");
		assertThat(next(received)).isEqualTo("READY=1\nSTATUS=restart refused, still serving: not enough memory for a new process");
		notifier.stopping();
		assertThat(next(received)).isEqualTo("STOPPING=1\nSTATUS=stopping");
	}

	@Test
	void theWatchdogPingsAtHalfTheIntervalWhileLiveOnly() throws Exception {
		String path = this.dir.resolve("notify").toString();
		BlockingQueue<String> received = listen(new UnixSocketAddress(path));
		boolean[] live = { true };
		SystemdNotifier notifier = SystemdNotifier.fromEnvironment(
				Map.of("NOTIFY_SOCKET", path, "WATCHDOG_USEC", "200000", "WATCHDOG_PID", "10"), 10, false,
				() -> live[0]);

		notifier.serving(1, LISTENERS, ParentChannel.NONE);

		assertThat(next(received)).startsWith("READY=1");
		long start = System.nanoTime();
		assertThat(next(received)).isEqualTo("WATCHDOG=1");
		assertThat(next(received)).isEqualTo("WATCHDOG=1");
		assertThat(next(received)).isEqualTo("WATCHDOG=1");
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(150), Duration.ofSeconds(2));
		live[0] = false;
		received.poll(300, TimeUnit.MILLISECONDS); // one already on its way
		received.clear();
		assertThat(received.poll(400, TimeUnit.MILLISECONDS)).as("no ping while not live").isNull();
		notifier.stopping();
		assertThat(next(received)).startsWith("STOPPING=1");
	}

	@Test
	void theWatchdogIsForTheProcessSystemdNamesOrItsSuccessors() {
		Map<String, String> env = Map.of("WATCHDOG_USEC", "3000000", "WATCHDOG_PID", "10");
		assertThat(SystemdNotifier.watchdog(env, 10, false)).isEqualTo(Duration.ofSeconds(3));
		assertThat(SystemdNotifier.watchdog(env, 11, false)).isNull();
		assertThat(SystemdNotifier.watchdog(env, 11, true)).isEqualTo(Duration.ofSeconds(3));
		assertThat(SystemdNotifier.watchdog(Map.of("WATCHDOG_USEC", "soon"), 10, false)).isNull();
		assertThat(SystemdNotifier.watchdog(Map.of(), 10, false)).isNull();
	}

	@Test
	void noSocketNoNotifier() {
		assertThat(SystemdNotifier.fromEnvironment(Map.of(), 10, false, () -> true)).isNull();
	}

	private BlockingQueue<String> listen(UnixSocketAddress address) throws IOException {
		UnixDatagramChannel channel = UnixDatagramChannel.open();
		channel.bind(address);
		this.open.add(channel);
		BlockingQueue<String> received = new LinkedBlockingQueue<>();
		Thread reader = new Thread(() -> {
			ByteBuffer buffer = ByteBuffer.allocate(4096);
			while (channel.isOpen()) {
				try {
					buffer.clear();
					channel.receive(buffer);
					buffer.flip();
					received.add(StandardCharsets.UTF_8.decode(buffer).toString());
				}
				catch (IOException ex) {
					return;
				}
			}
		}, "notify-listener");
		reader.setDaemon(true);
		reader.start();
		return received;
	}

	private static String next(BlockingQueue<String> received) throws InterruptedException {
		String message = received.poll(5, TimeUnit.SECONDS);
		assertThat(message).as("a message within 5 s").isNotNull();
		return message;
	}

}
