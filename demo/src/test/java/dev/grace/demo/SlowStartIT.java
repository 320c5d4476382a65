package dev.grace.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.GraceStatus;
import dev.grace.demo.support.MixedLoad;
import dev.grace.demo.support.MixedLoad.Sample;
import dev.grace.demo.support.Processes;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application whose start waits 70 s (as one waiting for its database would), with
 * default settings: the new process gets ten times as long as the serving one took to be
 * ready, so the restart succeeds under the mixed load where a fixed 60 s killed it. At the
 * same time, on a second demo that starts fast, a child that never gets ready is still
 * stopped, at the 60 s floor. The two run side by side: a stuck child of the slow one
 * would only be stopped after ten times its 75 s start.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class SlowStartIT {

	private static final Pattern GIVES = Pattern
		.compile("A restart gives the new process ([0-9.]+) s \\((.*?)\\) to be ready");

	private static final Pattern READY_AFTER = Pattern.compile("Child pid (\\d+) is ready after (\\d+) ms");

	private static final Duration SLOW_START = Duration.ofSeconds(150);

	@TempDir
	Path dir;

	@Test
	void aSlowStartRestartsWithDefaultSettingsAndAStuckChildIsStillStopped() throws Exception {
		Path fastConfig = Files.createDirectories(this.dir.resolve("fast"));
		Path slowConfig = Files.createDirectories(this.dir.resolve("slow"));
		Files.writeString(slowConfig.resolve("application.properties"), "demo.start-delay=70s\n");
		try (DemoProcess fast = DemoProcess.start(additionalConfig(fastConfig))) {
			// the slow demo starts once this one is ready, so that this one's own start
			// (and with it its timeout) is not slowed down by the other JVM
			long fastPid = fast.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			Matcher fastGives = awaitLine(fast, GIVES, DemoProcess.START_TIMEOUT);
			double fastTimeout = Double.parseDouble(fastGives.group(1));
			assertThat(fastTimeout).as(fastGives.group()).isGreaterThanOrEqualTo(60);
			try (DemoProcess slow = DemoProcess.start(additionalConfig(slowConfig))) {
				// the fast demo's next process reads this and never gets ready
				Files.writeString(fastConfig.resolve("application.properties"), "demo.start-delay=1h\n");
				Processes.signal(fastPid, Processes.SIGUSR2);

				restartsWithDefaultSettings(slow);

				GraceStatus stopped = GraceStatus.await(fast.managementPort(), (s) -> "FAILED".equals(s.outcome()),
						Duration.ofSeconds(120));
				assertThat(stopped.reason()).contains(" was not ready within " + fastGives.group(1) + " s ("
						+ fastGives.group(2) + "); stopped it (");
				// at the deadline, give or take the SIGTERM's grace: not before, not much after.
				// The status turns FAILED just before the line is written
				fast.awaitLog("Restart failed, still serving: child pid " + stopped.childPid(), Duration.ofSeconds(10));
				Duration stuck = Duration.between(logTime(fast, "Started child pid " + stopped.childPid()),
						logTime(fast, "Restart failed, still serving: child pid " + stopped.childPid()));
				assertThat(stuck).isBetween(Duration.ofMillis((long) (fastTimeout * 1000)),
						Duration.ofMillis((long) (fastTimeout * 1000)).plusSeconds(15));
				assertThat(stopped.state()).isEqualTo("SERVING");
				assertThat(fast.livePids()).containsExactly(fastPid);
				System.out.println("SlowStartIT: stuck child stopped " + stuck.toMillis() + " ms after its start: "
						+ stopped.reason());
			}
		}
	}

	private static void restartsWithDefaultSettings(DemoProcess slow) {
		long slowPid = slow.awaitGeneration(1, SLOW_START).jsonLong("pid");
		Matcher gives = awaitLine(slow, GIVES, DemoProcess.START_TIMEOUT);
		assertThat(gives.group(2)).as(gives.group()).startsWith("10 times the ");
		assertThat(Double.parseDouble(gives.group(1))).as(gives.group()).isGreaterThanOrEqualTo(700);
		List<Sample> samples;
		try (MixedLoad load = new MixedLoad(slow.port(), slow.managementPort(), 2, 1500)) {
			load.awaitEveryKindServed();
			Processes.signal(slowPid, Processes.SIGUSR2);
			slow.awaitLog("; it has " + gives.group(1) + " s (" + gives.group(2) + ") to be ready",
					DemoProcess.HANDOVER_TIMEOUT);
			long next = slow.awaitGeneration(2, SLOW_START).jsonLong("pid");
			assertThat(slow.awaitExit(slowPid, DemoProcess.HANDOVER_TIMEOUT)).as("exit code of " + slowPid)
				.hasValue(0);
			load.awaitEveryKindServed();
			samples = load.stop();
			Matcher ready = awaitLine(slow, READY_AFTER, Duration.ZERO);
			assertThat(Long.parseLong(ready.group(1))).isEqualTo(next);
			assertThat(Long.parseLong(ready.group(2))).as("a fixed 60 s would have stopped it").isGreaterThan(70_000);
			assertThat(slow.livePids()).containsExactly(next);
			System.out.println("SlowStartIT: " + gives.group() + "; " + ready.group() + "; " + samples.size()
					+ " requests, 0 failed");
		}
		assertThat(MixedLoad.assertNoneFailed(samples)).hasSize(2);
	}

	private static String[] additionalConfig(Path dir) {
		return new String[] { "--spring.config.additional-location=optional:file:" + dir + "/" };
	}

	// each log line starts with its ISO-8601 time
	private static Instant logTime(DemoProcess demo, String text) {
		String line = demo.log().lines().filter((l) -> l.contains(text)).findFirst()
			.orElseThrow(() -> new AssertionError("No line with '" + text + "' in:\n" + demo.log()));
		return Instant.parse(line.substring(0, line.indexOf(' ')));
	}

	private static Matcher awaitLine(DemoProcess demo, Pattern pattern, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			Matcher matcher = pattern.matcher(demo.log());
			if (matcher.find()) {
				return matcher;
			}
			if (System.nanoTime() > deadline) {
				throw new AssertionError("No line matching " + pattern + " in:\n" + demo.log());
			}
			DemoProcess.pause(100);
		}
	}

}
