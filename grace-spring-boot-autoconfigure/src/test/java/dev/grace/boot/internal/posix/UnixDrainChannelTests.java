package dev.grace.boot.internal.posix;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import dev.grace.boot.internal.Drain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Drain reports over a real abstract Unix socket, this JVM playing both processes: it
 * listens as its own child and connects as its own parent (the kernel names this pid as
 * the peer).
 */
class UnixDrainChannelTests {

	private final long self = ProcessHandle.current().pid();

	@Test
	void theNewProcessHearsItsParentLineByLineThenTheEnd() throws Exception {
		UnixDrainChannel channel = new UnixDrainChannel();
		List<String> heard = new CopyOnWriteArrayList<>();
		channel.listen(this.self, (line) -> heard.add(String.valueOf(line)));

		// it binds on a thread of its own; a parent connects only once its child is ready
		Drain.Successor successor = await().atMost(Duration.ofSeconds(10))
			.until(() -> channel.connect(this.self), Objects::nonNull);
		assertThat(successor.send("connections=3 requests=1")).isTrue();
		assertThat(successor.send("drained=927")).isTrue();
		successor.close();

		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(heard).containsExactly("connections=3 requests=1", "drained=927", "null"));
		assertThat(channel.connect(this.self)).as("one connection, then nobody listens").isNull();
	}

	@Test
	void aProcessThatDoesNotListenTakesNoReports() {
		assertThat(new UnixDrainChannel().connect(this.self)).isNull();
	}

	@Test
	void nobodyIsAwaitedOnceTheParentHasExited() throws Exception {
		Process exited = new ProcessBuilder("/bin/true").start();
		exited.waitFor();
		List<String> heard = new CopyOnWriteArrayList<>();

		new UnixDrainChannel().listen(exited.pid(), (line) -> heard.add(String.valueOf(line)));

		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(heard).containsExactly("null"));
		assertThat(UnixDrainChannel.isRunning(this.self)).isTrue();
		assertThat(UnixDrainChannel.isRunning(exited.pid())).isFalse();
	}

}
